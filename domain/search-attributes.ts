/**
 * Custom search attributes BoxFlow sets on order workflows, so that supervisors can list orders by
 * status, type, carrier and risk in Temporal's visibility. The dev server registers them at start
 * (`--search-attribute`); an existing cluster needs them registered once (README, operations).
 */
export const SEARCH_ATTRIBUTES = {
  BoxflowOrderStatus: 'Keyword',
  BoxflowOrderType: 'Keyword',
  /** The carrier of the parcel booked last (kept for existing queries); BoxflowCarriers lists them all. */
  BoxflowCarrier: 'Keyword',
  BoxflowCarriers: 'KeywordList',
  BoxflowAtRisk: 'Bool',
} as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
