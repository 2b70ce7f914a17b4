/**
 * P4.1 数据分析 data analysis: every figure of the analytics page and GET /api/analytics, computed
 * from plain rows (db/analytics.ts loads them for a window). Pure: no database, no clock; the caller
 * passes "today" where a default window is needed.
 *
 * Definitions (the page shows the same text, see METRIC_DEFINITIONS):
 * - Window: from/to are calendar days (YYYY-MM-DD) in the shop's time zone (China Standard Time,
 *   UTC+8, no daylight saving), both inclusive. It selects orders by orders.created_at, and tasks by
 *   tasks.created_at for the task metrics (tasks by kind, stockouts by SKU). Default: the last 30
 *   days up to today. At most 366 days; from ≤ to.
 * - Order-to-ship: orders.shipped_at − the time of the order's first 'paid' status event (payment
 *   confirmation, as fulfillment teams measure it). Orders without both are left out. p50 and p90 by
 *   nearest rank: the value at rank ⌈p/100 × n⌉ of the ascending list.
 * - On-time ship rate: retail orders shipped with shipped_at ≤ ship_by ÷ retail orders shipped
 *   (that have a ship_by; group-buy orders have none and are not counted).
 * - Delay rate by carrier: outbound shipments with delayed = true ÷ outbound shipments shipped
 *   (shipped_at set) by that carrier.
 * - Mean transit by carrier: mean(delivered_at − shipped_at) over that carrier's delivered outbound
 *   shipments.
 * - Return rate by SKU: returned units (return_lines of the window's orders, any return status) ÷
 *   shipped units (order_lines with status 'shipped'). No shipped units → rate null.
 * - Stockouts by SKU: stockout tasks whose context names the SKU (a task counts once per SKU).
 * - SKUs most often late: SKUs ranked by the number of orders containing them that shipped after
 *   ship_by or had a delayed outbound shipment (ties by SKU).
 * - Tasks by kind: count of tasks (any status); time-to-decision = decided_at − created_at over
 *   decided and expired tasks, median (the middle value; the mean of the two middle values for an
 *   even count) and mean.
 * Durations are reported in hours, rounded to 2 decimals; rates as fractions rounded to 4 decimals,
 * always with their numerator and denominator.
 */

export const SHOP_UTC_OFFSET_MINUTES = 8 * 60;
export const DEFAULT_WINDOW_DAYS = 30;
export const MAX_WINDOW_DAYS = 366;

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Window

export interface AnalyticsWindow {
  /** YYYY-MM-DD, shop time zone, inclusive. */
  from: string;
  /** YYYY-MM-DD, shop time zone, inclusive. */
  to: string;
  /** First instant of `from` (UTC ISO): created_at >= fromTs. */
  fromTs: string;
  /** First instant of the day after `to` (UTC ISO): created_at < toTs. */
  toTs: string;
  days: number;
}

export interface ValidationDetail {
  path: string;
  message: string;
}

/** The UTC instant at which a shop-time-zone calendar day begins; undefined for a non-date. */
function dayStartMs(day: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const back = new Date(utc);
  // Date.UTC rolls 2025-02-30 over to March: a real calendar day round-trips.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return utc - SHOP_UTC_OFFSET_MINUTES * 60_000;
}

/** The shop-time-zone calendar day (YYYY-MM-DD) of an instant. */
export function shopDay(ms: number): string {
  return new Date(ms + SHOP_UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
}

/**
 * Validates from/to as they come from a query string (anything: undefined, arrays, garbage) into a
 * window; `nowMs` gives the default "last 30 days".
 */
export function parseWindow(query: { from?: unknown; to?: unknown }, nowMs: number): { ok: true; window: AnalyticsWindow } | { ok: false; details: ValidationDetail[] } {
  const details: ValidationDetail[] = [];
  const read = (key: 'from' | 'to'): string | undefined => {
    const v = query[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') {
      details.push({ path: key, message: 'must be given once, as a date YYYY-MM-DD' });
      return undefined;
    }
    if (dayStartMs(v) === undefined) {
      details.push({ path: key, message: 'must be a calendar date YYYY-MM-DD' });
      return undefined;
    }
    return v;
  };
  const fromIn = read('from');
  const toIn = read('to');
  if (details.length) return { ok: false, details };
  const to = toIn ?? (fromIn ? shopDay(Math.min(nowMs, dayStartMs(fromIn)! + (DEFAULT_WINDOW_DAYS - 1) * DAY_MS)) : shopDay(nowMs));
  const from = fromIn ?? shopDay(dayStartMs(to)! - (DEFAULT_WINDOW_DAYS - 1) * DAY_MS);
  const fromMs = dayStartMs(from)!;
  const toEndMs = dayStartMs(to)! + DAY_MS;
  const days = Math.round((toEndMs - fromMs) / DAY_MS);
  if (fromMs > dayStartMs(to)!) details.push({ path: 'from', message: 'must not be after to' });
  else if (days > MAX_WINDOW_DAYS) details.push({ path: 'to', message: `the window must be at most ${MAX_WINDOW_DAYS} days (it is ${days})` });
  if (details.length) return { ok: false, details };
  return { ok: true, window: { from, to, fromTs: new Date(fromMs).toISOString(), toTs: new Date(toEndMs).toISOString(), days } };
}

// ---------------------------------------------------------------------------------------------
// Rows (timestamps as ISO strings, as db/time.ts toIso() gives them)

export interface OrderRow {
  orderNo: string;
  type: string; // retail | group_buy
  status: string;
  createdAt: string;
  shippedAt: string | null;
  shipBy: string | null;
}

/** Status events of the window's orders (type 'status'); only 'paid' ones matter here. */
export interface StatusEventRow {
  orderNo: string;
  at: string;
  status: string;
}

export interface OrderLineRow {
  orderNo: string;
  sku: string;
  quantity: number;
  status: string;
}

export interface ShipmentRow {
  orderNo: string;
  carrier: string | null;
  kind: string; // outbound | return
  shippedAt: string | null;
  deliveredAt: string | null;
  delayed: boolean;
}

export interface ReturnLineRow {
  orderNo: string;
  sku: string;
  quantity: number;
}

export interface TaskRow {
  kind: string;
  status: string; // open | decided | expired | cancelled
  createdAt: string;
  decidedAt: string | null;
  context: unknown;
}

export interface AnalyticsRows {
  orders: OrderRow[];
  statusEvents: StatusEventRow[];
  lines: OrderLineRow[];
  shipments: ShipmentRow[];
  returnLines: ReturnLineRow[];
  tasks: TaskRow[];
}

// ---------------------------------------------------------------------------------------------
// Figures

export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator rounded to 4 decimals; null when the denominator is 0. */
  rate: number | null;
}

export interface AnalyticsReport {
  window: { from: string; to: string; days: number };
  orders: { created: number; shipped: number };
  orderToShip: { count: number; withoutPayment: number; p50Hours: number | null; p90Hours: number | null };
  onTimeShip: Rate;
  carriers: Array<{ carrier: string; shipped: number; delayed: number; delayRate: number | null; delivered: number; meanTransitHours: number | null }>;
  returnsBySku: Array<{ sku: string; shippedUnits: number; returnedUnits: number; returnRate: number | null }>;
  stockoutsBySku: Array<{ sku: string; stockouts: number }>;
  lateSkus: Array<{ sku: string; lateOrders: number }>;
  tasksByKind: Array<{ kind: string; count: number; decided: number; medianHoursToDecision: number | null; meanHoursToDecision: number | null }>;
}

const ms = (iso: string): number => Date.parse(iso);
/** Code-unit order (not the locale's): the same on every machine. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};
const hours = (durationMs: number | null): number | null => (durationMs === null ? null : round(durationMs / HOUR_MS, 2));

export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, rate: denominator === 0 ? null : round(numerator / denominator, 4) };
}

/** Nearest-rank percentile: the value at rank ⌈p/100 × n⌉ (1-based) of the sorted values. */
export function nearestRank(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The middle value; for an even count the mean of the two middle values. */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: number[]): number | null {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** Payment confirmation time per order: its earliest 'paid' status event. */
export function paidAtByOrder(events: StatusEventRow[]): Map<string, number> {
  const paid = new Map<string, number>();
  for (const e of events) {
    if (e.status !== 'paid') continue;
    const t = ms(e.at);
    const seen = paid.get(e.orderNo);
    if (seen === undefined || t < seen) paid.set(e.orderNo, t);
  }
  return paid;
}

export function orderToShip(orders: OrderRow[], events: StatusEventRow[]): AnalyticsReport['orderToShip'] {
  const paid = paidAtByOrder(events);
  const durations: number[] = [];
  let withoutPayment = 0;
  for (const o of orders) {
    if (!o.shippedAt) continue;
    const p = paid.get(o.orderNo);
    if (p === undefined) {
      withoutPayment++;
      continue;
    }
    durations.push(ms(o.shippedAt) - p);
  }
  return { count: durations.length, withoutPayment, p50Hours: hours(nearestRank(durations, 50)), p90Hours: hours(nearestRank(durations, 90)) };
}

export function onTimeShipRate(orders: OrderRow[]): Rate {
  const shipped = orders.filter((o) => o.type === 'retail' && o.shippedAt && o.shipBy);
  return rate(shipped.filter((o) => ms(o.shippedAt!) <= ms(o.shipBy!)).length, shipped.length);
}

export function carrierFigures(shipments: ShipmentRow[]): AnalyticsReport['carriers'] {
  const by = new Map<string, { shipped: number; delayed: number; transits: number[] }>();
  for (const s of shipments) {
    if (s.kind !== 'outbound' || !s.carrier || !s.shippedAt) continue;
    const c = by.get(s.carrier) ?? { shipped: 0, delayed: 0, transits: [] };
    by.set(s.carrier, c);
    c.shipped++;
    if (s.delayed) c.delayed++;
    if (s.deliveredAt) c.transits.push(ms(s.deliveredAt) - ms(s.shippedAt));
  }
  return [...by.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([carrier, c]) => ({
      carrier,
      shipped: c.shipped,
      delayed: c.delayed,
      delayRate: rate(c.delayed, c.shipped).rate,
      delivered: c.transits.length,
      meanTransitHours: hours(mean(c.transits)),
    }));
}

export function returnsBySku(lines: OrderLineRow[], returnLines: ReturnLineRow[]): AnalyticsReport['returnsBySku'] {
  const by = new Map<string, { shipped: number; returned: number }>();
  const get = (sku: string) => by.get(sku) ?? by.set(sku, { shipped: 0, returned: 0 }).get(sku)!;
  for (const l of lines) if (l.status === 'shipped') get(l.sku).shipped += l.quantity;
  for (const r of returnLines) get(r.sku).returned += r.quantity;
  return [...by.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([sku, v]) => ({ sku, shippedUnits: v.shipped, returnedUnits: v.returned, returnRate: rate(v.returned, v.shipped).rate }));
}

/** SKUs named in a stockout task's context {shortages: [{sku, …}]}; tolerant of odd contexts. */
function skusOfStockout(context: unknown): string[] {
  const shortages = (context as { shortages?: unknown } | null)?.shortages;
  if (!Array.isArray(shortages)) return [];
  return [...new Set(shortages.map((s) => (s as { sku?: unknown })?.sku).filter((s): s is string => typeof s === 'string'))];
}

export function stockoutsBySku(tasks: TaskRow[]): AnalyticsReport['stockoutsBySku'] {
  const by = new Map<string, number>();
  for (const t of tasks) if (t.kind === 'stockout') for (const sku of skusOfStockout(t.context)) by.set(sku, (by.get(sku) ?? 0) + 1);
  return [...by.entries()].map(([sku, stockouts]) => ({ sku, stockouts })).sort((a, b) => b.stockouts - a.stockouts || cmp(a.sku, b.sku));
}

/** Orders that shipped after their ship_by or had a delayed outbound shipment. */
export function lateOrders(orders: OrderRow[], shipments: ShipmentRow[]): Set<string> {
  const late = new Set<string>();
  for (const o of orders) if (o.shippedAt && o.shipBy && ms(o.shippedAt) > ms(o.shipBy)) late.add(o.orderNo);
  const inWindow = new Set(orders.map((o) => o.orderNo));
  for (const s of shipments) if (s.kind === 'outbound' && s.delayed && inWindow.has(s.orderNo)) late.add(s.orderNo);
  return late;
}

export function lateSkus(orders: OrderRow[], lines: OrderLineRow[], shipments: ShipmentRow[]): AnalyticsReport['lateSkus'] {
  const late = lateOrders(orders, shipments);
  const ordersBySku = new Map<string, Set<string>>();
  for (const l of lines) {
    if (!late.has(l.orderNo)) continue;
    const set = ordersBySku.get(l.sku) ?? ordersBySku.set(l.sku, new Set()).get(l.sku)!;
    set.add(l.orderNo); // an order with two lines of one SKU counts once
  }
  return [...ordersBySku.entries()].map(([sku, s]) => ({ sku, lateOrders: s.size })).sort((a, b) => b.lateOrders - a.lateOrders || cmp(a.sku, b.sku));
}

export function tasksByKind(tasks: TaskRow[]): AnalyticsReport['tasksByKind'] {
  const by = new Map<string, { count: number; durations: number[] }>();
  for (const t of tasks) {
    const k = by.get(t.kind) ?? by.set(t.kind, { count: 0, durations: [] }).get(t.kind)!;
    k.count++;
    if ((t.status === 'decided' || t.status === 'expired') && t.decidedAt) k.durations.push(ms(t.decidedAt) - ms(t.createdAt));
  }
  return [...by.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([kind, k]) => ({ kind, count: k.count, decided: k.durations.length, medianHoursToDecision: hours(median(k.durations)), meanHoursToDecision: hours(mean(k.durations)) }));
}

export function computeAnalytics(window: Pick<AnalyticsWindow, 'from' | 'to' | 'days'>, rows: AnalyticsRows): AnalyticsReport {
  return {
    window: { from: window.from, to: window.to, days: window.days },
    orders: { created: rows.orders.length, shipped: rows.orders.filter((o) => o.shippedAt).length },
    orderToShip: orderToShip(rows.orders, rows.statusEvents),
    onTimeShip: onTimeShipRate(rows.orders),
    carriers: carrierFigures(rows.shipments),
    returnsBySku: returnsBySku(rows.lines, rows.returnLines),
    stockoutsBySku: stockoutsBySku(rows.tasks),
    lateSkus: lateSkus(rows.orders, rows.lines, rows.shipments),
    tasksByKind: tasksByKind(rows.tasks),
  };
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180), one section per metric

/**
 * One cell: a text starting with = + - @ (or a tab/CR) would be run as a formula by a spreadsheet,
 * so it gets a leading apostrophe; then RFC 4180 quoting. Numbers are written as they are (a
 * negative number is data, not a formula).
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(report: AnalyticsReport): string {
  const rows: Array<Array<string | number | null>> = [];
  const section = (name: string, header: string[], body: Array<Array<string | number | null>>) => {
    if (rows.length) rows.push([]);
    rows.push([`# ${name}`]);
    rows.push(header);
    rows.push(...body);
  };
  const r = report;
  section('window', ['from', 'to', 'days', 'orders_created', 'orders_shipped'], [[r.window.from, r.window.to, r.window.days, r.orders.created, r.orders.shipped]]);
  section('order_to_ship', ['orders', 'shipped_without_payment_event', 'p50_hours', 'p90_hours'], [[r.orderToShip.count, r.orderToShip.withoutPayment, r.orderToShip.p50Hours, r.orderToShip.p90Hours]]);
  section('on_time_ship', ['on_time', 'retail_shipped', 'rate'], [[r.onTimeShip.numerator, r.onTimeShip.denominator, r.onTimeShip.rate]]);
  section('carriers', ['carrier', 'shipped', 'delayed', 'delay_rate', 'delivered', 'mean_transit_hours'], r.carriers.map((c) => [c.carrier, c.shipped, c.delayed, c.delayRate, c.delivered, c.meanTransitHours]));
  section('returns_by_sku', ['sku', 'shipped_units', 'returned_units', 'return_rate'], r.returnsBySku.map((x) => [x.sku, x.shippedUnits, x.returnedUnits, x.returnRate]));
  section('stockouts_by_sku', ['sku', 'stockouts'], r.stockoutsBySku.map((x) => [x.sku, x.stockouts]));
  section('late_skus', ['sku', 'late_orders'], r.lateSkus.map((x) => [x.sku, x.lateOrders]));
  section('tasks_by_kind', ['kind', 'count', 'decided', 'median_hours_to_decision', 'mean_hours_to_decision'], r.tasksByKind.map((x) => [x.kind, x.count, x.decided, x.medianHoursToDecision, x.meanHoursToDecision]));
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The definitions as the page shows them (keys into web/i18n.ts 'analytics.def.*'). */
export const METRIC_DEFINITIONS = ['window', 'orderToShip', 'onTime', 'delay', 'transit', 'returns', 'stockouts', 'late', 'tasks'] as const;
