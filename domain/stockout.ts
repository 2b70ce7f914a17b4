/**
 * P1.10 stockout policy per SKU: what a shortage of the item means.
 * - `ask` (the default): a supervisor decides in a stockout task (wait, ship what is there, cancel the line).
 * - `restockable`: back-order automatically, first come first served; no task.
 * - `limited`: no restock will come (a limited series): the short line is cancelled and refunded at once; no task.
 */
export const STOCKOUT_POLICIES = ['ask', 'restockable', 'limited'] as const;
export type StockoutPolicy = (typeof STOCKOUT_POLICIES)[number];
export const DEFAULT_STOCKOUT_POLICY: StockoutPolicy = 'ask';

export function isStockoutPolicy(value: unknown): value is StockoutPolicy {
  return typeof value === 'string' && (STOCKOUT_POLICIES as readonly string[]).includes(value);
}

/** The policy stored for a SKU; anything unknown (or no row) reads as the default, `ask`. */
export function policyOf(policies: Record<string, string | undefined>, sku: string): StockoutPolicy {
  const p = policies[sku];
  return isStockoutPolicy(p) ? p : DEFAULT_STOCKOUT_POLICY;
}

/** Splits an order's shortages by the policy of each line's SKU (order kept within each group). */
export function splitShortagesByPolicy<S extends { sku: string }>(shortages: S[], policies: Record<string, string | undefined>): Record<StockoutPolicy, S[]> {
  const out: Record<StockoutPolicy, S[]> = { ask: [], restockable: [], limited: [] };
  for (const s of shortages) out[policyOf(policies, s.sku)].push(s);
  return out;
}

export interface SellOutLine {
  sku: string;
  quantity: number;
}

/**
 * The supervisor's summary of sell-outs: per SKU, how many order lines (and units, and how much
 * money) were refunded because a `limited` SKU ran out. Largest first, then by SKU.
 */
export function sellOutSummary(lines: SellOutLine[]): Array<{ sku: string; lines: number; units: number }> {
  const by = new Map<string, { lines: number; units: number }>();
  for (const l of lines) {
    const e = by.get(l.sku) ?? by.set(l.sku, { lines: 0, units: 0 }).get(l.sku)!;
    e.lines++;
    e.units += l.quantity;
  }
  return [...by.entries()]
    .map(([sku, e]) => ({ sku, lines: e.lines, units: e.units }))
    .sort((a, b) => b.lines - a.lines || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/**
 * Issue 15: how long until a restock wait that began at `sinceMs` has lasted `afterMs` (the order's
 * backOrderTaskAfterMs); zero or less: the back_order_overdue task is due now.
 */
export function backOrderOverdueInMs(sinceMs: number, afterMs: number, nowMs: number): number {
  return sinceMs + afterMs - nowMs;
}

/**
 * The supervisor's summary of restock waits: per SKU, how many orders (and units) wait for it.
 * One row per waiting back-order line; an order with two lines of a SKU counts once. Most orders first, then by SKU.
 */
export function restockWaitSummary(lines: Array<{ sku: string; orderNo: string; quantity: number }>): Array<{ sku: string; orders: number; units: number }> {
  const by = new Map<string, { orders: Set<string>; units: number }>();
  for (const l of lines) {
    const e = by.get(l.sku) ?? by.set(l.sku, { orders: new Set(), units: 0 }).get(l.sku)!;
    e.orders.add(l.orderNo);
    e.units += l.quantity;
  }
  return [...by.entries()]
    .map(([sku, e]) => ({ sku, orders: e.orders.size, units: e.units }))
    .sort((a, b) => b.orders - a.orders || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}
