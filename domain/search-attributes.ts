/**
 * Custom search attributes BoxFlow sets on order workflows, so that supervisors can list orders by
 * status, type, carrier and risk in Temporal's visibility. The dev server registers them at start
 * (`--search-attribute`); an existing cluster needs them registered once (README, operations).
 */
export const SEARCH_ATTRIBUTES = {
  BoxflowOrderStatus: 'Keyword',
  BoxflowOrderType: 'Keyword',
  BoxflowCarrier: 'Keyword',
  BoxflowAtRisk: 'Bool',
} as const;
export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
