/**
 * P4.1: a small world whose analytics figures were computed by hand (below, with the arithmetic).
 * test/unit/analytics.test.ts feeds these rows to the pure functions; test/integration/analytics.test.ts
 * writes them (plus rows just outside the window) to a real database and reads them back through
 * GET /api/analytics.
 *
 * Window 2025-03-01 … 2025-03-31 in shop time (UTC+8): created_at from 2025-02-28T16:00Z (inclusive)
 * to 2025-03-31T16:00Z (exclusive).
 * SKUs: A = BB-MOLLY-SPACE, B = BB-DIMOO-FOREST, C = ACC-GLASS-CASE (all in the demo catalog).
 */
import type { AnalyticsReport, OrderLineRow, OrderRow, ReturnLineRow, ShipmentRow, StatusEventRow, TaskRow } from '../../domain/analytics';

export const A = 'BB-MOLLY-SPACE';
export const B = 'BB-DIMOO-FOREST';
export const C = 'ACC-GLASS-CASE';

export const WINDOW = { from: '2025-03-01', to: '2025-03-31', days: 31 };

const P = 'AF'; // order number prefix

export const orders: OrderRow[] = [
  // O1 retail: paid 02:00, shipped 06:00 → 4 h; ship_by 03-04 02:00 → on time.
  { orderNo: `${P}1`, type: 'retail', status: 'shipped', createdAt: '2025-03-03T01:00:00.000Z', shippedAt: '2025-03-03T06:00:00.000Z', shipBy: '2025-03-04T02:00:00.000Z' },
  // O2 retail: paid 01:00, shipped 11:00 → 10 h; on time, but its YTO parcel is delayed → late order.
  { orderNo: `${P}2`, type: 'retail', status: 'shipped', createdAt: '2025-03-05T00:00:00.000Z', shippedAt: '2025-03-05T11:00:00.000Z', shipBy: '2025-03-06T01:00:00.000Z' },
  // O3 retail: paid 03-10 00:30, shipped 03-11 08:30 → 32 h; ship_by 03-11 00:30 → shipped late.
  { orderNo: `${P}3`, type: 'retail', status: 'shipped', createdAt: '2025-03-10T00:00:00.000Z', shippedAt: '2025-03-11T08:30:00.000Z', shipBy: '2025-03-11T00:30:00.000Z' },
  // O4 group-buy (no ship_by): paid 02:00, shipped 04:00 → 2 h; not in the on-time rate.
  { orderNo: `${P}4`, type: 'group_buy', status: 'shipped', createdAt: '2025-03-12T00:00:00.000Z', shippedAt: '2025-03-12T04:00:00.000Z', shipBy: null },
  // O5 retail: paid 03-15 01:00, shipped 03-16 01:00 → 24 h; shipped exactly at ship_by → on time (≤); SF parcel delayed → late order.
  { orderNo: `${P}5`, type: 'retail', status: 'shipped', createdAt: '2025-03-15T00:00:00.000Z', shippedAt: '2025-03-16T01:00:00.000Z', shipBy: '2025-03-16T01:00:00.000Z' },
  // O6 retail: paid, not shipped yet → in no ship figure.
  { orderNo: `${P}6`, type: 'retail', status: 'picking', createdAt: '2025-03-20T00:00:00.000Z', shippedAt: null, shipBy: '2025-03-21T00:00:00.000Z' },
  // O7 retail: cancelled before payment.
  { orderNo: `${P}7`, type: 'retail', status: 'cancelled', createdAt: '2025-03-22T00:00:00.000Z', shippedAt: null, shipBy: '2025-03-23T00:00:00.000Z' },
];

export const statusEvents: StatusEventRow[] = [
  { orderNo: `${P}1`, at: '2025-03-03T01:00:00.000Z', status: 'received' },
  { orderNo: `${P}1`, at: '2025-03-03T02:00:00.000Z', status: 'paid' },
  // A second 'paid' (say, after an on-hold) does not move payment confirmation: the first one counts.
  { orderNo: `${P}1`, at: '2025-03-03T03:00:00.000Z', status: 'paid' },
  { orderNo: `${P}1`, at: '2025-03-03T06:00:00.000Z', status: 'shipped' },
  { orderNo: `${P}2`, at: '2025-03-05T01:00:00.000Z', status: 'paid' },
  { orderNo: `${P}3`, at: '2025-03-10T00:30:00.000Z', status: 'paid' },
  { orderNo: `${P}4`, at: '2025-03-12T02:00:00.000Z', status: 'paid' },
  { orderNo: `${P}5`, at: '2025-03-15T01:00:00.000Z', status: 'paid' },
  { orderNo: `${P}6`, at: '2025-03-20T00:10:00.000Z', status: 'paid' },
  { orderNo: `${P}7`, at: '2025-03-22T00:05:00.000Z', status: 'awaiting_payment' },
];

export const lines: OrderLineRow[] = [
  { orderNo: `${P}1`, sku: A, quantity: 2, status: 'shipped' },
  { orderNo: `${P}2`, sku: A, quantity: 1, status: 'shipped' },
  { orderNo: `${P}2`, sku: B, quantity: 3, status: 'shipped' },
  { orderNo: `${P}3`, sku: B, quantity: 1, status: 'shipped' },
  { orderNo: `${P}3`, sku: C, quantity: 1, status: 'shipped' },
  { orderNo: `${P}4`, sku: A, quantity: 4, status: 'shipped' },
  { orderNo: `${P}5`, sku: C, quantity: 2, status: 'shipped' },
  { orderNo: `${P}6`, sku: B, quantity: 1, status: 'open' },
  { orderNo: `${P}7`, sku: A, quantity: 1, status: 'cancelled' },
];

export const shipments: ShipmentRow[] = [
  // SF: O1 48 h, O3 24 h, O5 36 h (delayed).
  { orderNo: `${P}1`, carrier: 'SF', kind: 'outbound', shippedAt: '2025-03-03T06:00:00.000Z', deliveredAt: '2025-03-05T06:00:00.000Z', delayed: false },
  { orderNo: `${P}3`, carrier: 'SF', kind: 'outbound', shippedAt: '2025-03-11T08:30:00.000Z', deliveredAt: '2025-03-12T08:30:00.000Z', delayed: false },
  { orderNo: `${P}5`, carrier: 'SF', kind: 'outbound', shippedAt: '2025-03-16T01:00:00.000Z', deliveredAt: '2025-03-17T13:00:00.000Z', delayed: true },
  // YTO: O2 72 h (delayed), O4 still on its way.
  { orderNo: `${P}2`, carrier: 'YTO', kind: 'outbound', shippedAt: '2025-03-05T11:00:00.000Z', deliveredAt: '2025-03-08T11:00:00.000Z', delayed: true },
  { orderNo: `${P}4`, carrier: 'YTO', kind: 'outbound', shippedAt: '2025-03-12T04:00:00.000Z', deliveredAt: null, delayed: false },
  // Not counted: O6's parcel is not shipped; O1's return parcel is not outbound.
  { orderNo: `${P}6`, carrier: 'YTO', kind: 'outbound', shippedAt: null, deliveredAt: null, delayed: false },
  { orderNo: `${P}1`, carrier: 'SF', kind: 'return', shippedAt: '2025-03-07T00:00:00.000Z', deliveredAt: '2025-03-09T00:00:00.000Z', delayed: true },
];

export const returnLines: ReturnLineRow[] = [
  { orderNo: `${P}1`, sku: A, quantity: 1 },
  { orderNo: `${P}3`, sku: B, quantity: 1 },
  { orderNo: `${P}3`, sku: C, quantity: 1 },
];

export type FixtureTask = TaskRow & { orderNo: string };

export const tasks: FixtureTask[] = [
  // stockout: T1 decided after 1 h (names B and C), T2 expired after 4 h (names B twice: counts once), T3 open (names B).
  { orderNo: `${P}2`, kind: 'stockout', status: 'decided', createdAt: '2025-03-06T00:00:00.000Z', decidedAt: '2025-03-06T01:00:00.000Z', context: { shortages: [{ sku: B, requested: 3, available: 1, lineId: 1 }, { sku: C, requested: 1, available: 0, lineId: 2 }] } },
  { orderNo: `${P}6`, kind: 'stockout', status: 'expired', createdAt: '2025-03-20T01:00:00.000Z', decidedAt: '2025-03-20T05:00:00.000Z', context: { shortages: [{ sku: B, requested: 1, available: 0, lineId: 3 }, { sku: B, requested: 1, available: 0, lineId: 4 }] } },
  { orderNo: `${P}6`, kind: 'stockout', status: 'open', createdAt: '2025-03-21T00:00:00.000Z', decidedAt: null, context: { shortages: [{ sku: B, requested: 1, available: 0, lineId: 3 }] } },
  // sla_at_risk: 0.5 h, 2 h, 6 h (expired); T7 cancelled (closed by the order's cancellation, not a decision) is not timed.
  { orderNo: `${P}3`, kind: 'sla_at_risk', status: 'decided', createdAt: '2025-03-10T12:00:00.000Z', decidedAt: '2025-03-10T12:30:00.000Z', context: {} },
  { orderNo: `${P}3`, kind: 'sla_at_risk', status: 'decided', createdAt: '2025-03-11T00:00:00.000Z', decidedAt: '2025-03-11T02:00:00.000Z', context: {} },
  { orderNo: `${P}5`, kind: 'sla_at_risk', status: 'expired', createdAt: '2025-03-16T00:00:00.000Z', decidedAt: '2025-03-16T06:00:00.000Z', context: {} },
  { orderNo: `${P}7`, kind: 'sla_at_risk', status: 'cancelled', createdAt: '2025-03-22T00:00:00.000Z', decidedAt: '2025-03-22T03:00:00.000Z', context: {} },
];

/**
 * The figures, by hand:
 * - orders: 7 created, 5 shipped (O1–O5).
 * - order-to-ship (h): O1 4, O2 10, O3 32, O4 2, O5 24 → sorted [2, 4, 10, 24, 32], n = 5.
 *   p50: rank ⌈0.5 × 5⌉ = ⌈2.5⌉ = 3 → 10 h; p90: rank ⌈0.9 × 5⌉ = ⌈4.5⌉ = 5 → 32 h.
 * - on-time: retail shipped with ship_by = O1, O2, O3, O5 = 4; on time O1, O2, O5 (O5 equal) = 3 → 3/4 = 0.75.
 * - SF: shipped 3 (O1, O3, O5), delayed 1 (O5) → 1/3 = 0.3333; delivered 3, transit (48 + 24 + 36)/3 = 36 h.
 *   YTO: shipped 2 (O2, O4), delayed 1 (O2) → 1/2 = 0.5; delivered 1 (O2), transit 72 h.
 * - shipped units: A = 2 (O1) + 1 (O2) + 4 (O4) = 7; B = 3 (O2) + 1 (O3) = 4; C = 1 (O3) + 2 (O5) = 3
 *   (O6's open B and O7's cancelled A did not ship). Returned: A 1, B 1, C 1.
 *   Return rates: A 1/7 = 0.142857… → 0.1429; B 1/4 = 0.25; C 1/3 = 0.3333.
 * - stockouts: B in T1, T2, T3 = 3; C in T1 = 1.
 * - late orders: O2 (delayed parcel), O3 (shipped after ship_by), O5 (delayed parcel).
 *   SKUs: O2 {A, B}, O3 {B, C}, O5 {C} → B 2, C 2, A 1; ties by SKU: ACC-GLASS-CASE, BB-DIMOO-FOREST, BB-MOLLY-SPACE.
 * - tasks: sla_at_risk count 4, timed 3: [0.5, 2, 6] → median 2, mean 8.5/3 = 2.8333… → 2.83.
 *   stockout count 3, timed 2: [1, 4] → median (1 + 4)/2 = 2.5, mean 2.5.
 */
export const EXPECTED: AnalyticsReport = {
  window: WINDOW,
  orders: { created: 7, shipped: 5 },
  orderToShip: { count: 5, withoutPayment: 0, p50Hours: 10, p90Hours: 32 },
  onTimeShip: { numerator: 3, denominator: 4, rate: 0.75 },
  carriers: [
    { carrier: 'SF', shipped: 3, delayed: 1, delayRate: 0.3333, delivered: 3, meanTransitHours: 36 },
    { carrier: 'YTO', shipped: 2, delayed: 1, delayRate: 0.5, delivered: 1, meanTransitHours: 72 },
  ],
  returnsBySku: [
    { sku: C, shippedUnits: 3, returnedUnits: 1, returnRate: 0.3333 },
    { sku: B, shippedUnits: 4, returnedUnits: 1, returnRate: 0.25 },
    { sku: A, shippedUnits: 7, returnedUnits: 1, returnRate: 0.1429 },
  ],
  stockoutsBySku: [
    { sku: B, stockouts: 3 },
    { sku: C, stockouts: 1 },
  ],
  lateSkus: [
    { sku: C, lateOrders: 2 },
    { sku: B, lateOrders: 2 },
    { sku: A, lateOrders: 1 },
  ],
  tasksByKind: [
    { kind: 'sla_at_risk', count: 4, decided: 3, medianHoursToDecision: 2, meanHoursToDecision: 2.83 },
    { kind: 'stockout', count: 3, decided: 2, medianHoursToDecision: 2.5, meanHoursToDecision: 2.5 },
  ],
};
