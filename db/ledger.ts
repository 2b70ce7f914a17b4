import { fromCents, toCents } from '../adapters/payments/money';
import type { Knex } from 'knex';
import type { Db } from './knex';

/**
 * The ledger: what must add up in the app database whatever happened to the orders (crashes,
 * retries, cancellations at any step). Each check is a named invariant with its counts and its
 * breaches; `checkLedger` runs them all. Used by the chaos run (scripts/chaos.ts), by every
 * integration test file at its end (test/support/ledger.ts) and by an operator (`npm run ledger`).
 *
 * The money truth is the payment provider's ledger (sandbox_payment_operations in sandbox mode);
 * the carriers' truth is their bookings ledger (sandbox_carrier_bookings). BoxFlow's own records
 * (payments, shipments) must agree with them.
 *
 * Queries gather facts; pure functions (evaluate*) judge them, so that the rules are unit tested.
 */
export interface Invariant {
  name: string;
  ok: boolean;
  /** Not applicable (e.g. nothing to look at): reported, neither passed nor breached. */
  applicable: boolean;
  counts: Record<string, number | string>;
  breaches: string[];
}

/** One operation in the payment provider's own books (a charge or a refund of an order). */
export interface ProviderPaymentFact {
  orderNo: string;
  kind: 'charge' | 'refund';
  status: 'succeeded' | 'failed' | 'pending' | 'voided';
  amount: number;
}

export interface LedgerScope {
  /** Only these orders for the per-order checks. */
  orderNos?: string[];
  /**
   * The payment provider's books when they are not the sandbox's table (a real provider's stand-in
   * in the tests, test/standins/alipay.ts): read instead of sandbox_payment_operations.
   */
  providerPayments?: () => ProviderPaymentFact[] | Promise<ProviderPaymentFact[]>;
  /** Only these SKUs for the stock balance (default: every SKU; stock is shared by all orders). */
  skus?: string[];
}

// Aggregates come back loosely typed from knex; rows are read by column name.
type Row = Record<string, any>;

const MAX_LISTED = 20;
const CENT = 0.005;
const money = (n: number) => fromCents(toCents(n));
const fmt = (n: number) => money(n).toFixed(2);

function invariant(name: string, counts: Record<string, number | string>, breaches: string[], applicable = true): Invariant {
  const listed = breaches.length > MAX_LISTED ? [...breaches.slice(0, MAX_LISTED), `… and ${breaches.length - MAX_LISTED} more`] : breaches;
  return { name, ok: breaches.length === 0, applicable, counts, breaches: listed };
}

/** Order statuses after which nothing more is charged (P2.1): a charge still pending then is a promise broken. */
export const CLOSED_STATUSES = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];
/** Statuses an order only reaches once its payment was confirmed (P1.3). */
export const PAID_STATUSES = ['paid', 'back_ordered', 'picking', 'packed', 'labelled', 'booked', 'partially_shipped', 'shipped', 'delivered', 'returned'];
const ENDED_UNSHIPPED = ['cancelled', 'failed'];
/** Line statuses that no longer hold or ship anything. */
const DROPPED_LINES = ['cancelled', 'released'];

// ---------------------------------------------------------------------------------------------
// Stock (P1.2)

export interface SkuFacts {
  sku: string;
  onHand: number;
  reserved: number;
  /** Σ stock_movements: opening balance, restocks, counts. */
  journal: number;
  /** Units handed over (order lines `shipped`). */
  shipped: number;
  /** Units written off at inspection (P1.4). */
  writtenOff: number;
  /** Returned units put back on the shelf (P3.4). */
  returnedToShelf: number;
  /** Σ reserved_quantity of the SKU's lines not yet shipped. */
  heldByLines: number;
}

export interface LineHoldingFacts {
  orderNo: string;
  orderStatus: string;
  lineId: number;
  lineStatus: string;
  sku: string;
  reservedQuantity: number;
}

export function evaluateStock(skus: SkuFacts[], strayHoldings: LineHoldingFacts[]): Invariant[] {
  const balance: string[] = [];
  const reserved: string[] = [];
  for (const s of skus) {
    const expected = s.journal + s.returnedToShelf - s.shipped - s.writtenOff;
    if (s.onHand !== expected) {
      balance.push(`${s.sku}: on hand ${s.onHand}, but journal ${s.journal} + returned to shelf ${s.returnedToShelf} − shipped ${s.shipped} − written off ${s.writtenOff} = ${expected}`);
    }
    if (s.reserved !== s.heldByLines) reserved.push(`${s.sku}: reserved ${s.reserved}, but the unshipped order lines hold ${s.heldByLines}`);
    if (s.reserved < 0 || s.reserved > s.onHand) reserved.push(`${s.sku}: reserved ${s.reserved} outside 0…on hand ${s.onHand}`);
  }
  for (const l of strayHoldings) {
    reserved.push(DROPPED_LINES.includes(l.lineStatus)
      ? `${l.orderNo} line ${l.lineId} (${l.sku}) is ${l.lineStatus} but holds ${l.reservedQuantity} unit(s)`
      : `${l.orderNo} is ${l.orderStatus} but line ${l.lineId} (${l.sku}) still holds ${l.reservedQuantity} unit(s)`);
  }
  const sum = (f: (s: SkuFacts) => number) => skus.reduce((n, s) => n + f(s), 0);
  return [
    invariant(
      'stock balances (on hand = journal + returned to shelf − shipped − written off)',
      { skus: skus.length, onHand: sum((s) => s.onHand), journal: sum((s) => s.journal), returnedToShelf: sum((s) => s.returnedToShelf), shipped: sum((s) => s.shipped), writtenOff: sum((s) => s.writtenOff), unbalanced: balance.length },
      balance,
      skus.length > 0,
    ),
    invariant(
      'reserved = what open order lines hold',
      { skus: skus.length, reserved: sum((s) => s.reserved), heldByOpenLines: sum((s) => s.heldByLines), strayHoldings: strayHoldings.length },
      reserved,
      skus.length > 0,
    ),
  ];
}

async function stockFacts(db: Db): Promise<{ skus: SkuFacts[]; strays: LineHoldingFacts[] }> {
  const bySku = async (q: Promise<Row[]>) => new Map((await q).map((r) => [r.sku as string, Number(r.n)]));
  const journal = await bySku(db('stock_movements').select('sku').sum({ n: 'quantity' }).groupBy('sku'));
  const shipped = await bySku(db('order_lines').where({ status: 'shipped' }).select('sku').sum({ n: 'reserved_quantity' }).groupBy('sku'));
  const held = await bySku(db('order_lines').whereNot('status', 'shipped').select('sku').sum({ n: 'reserved_quantity' }).groupBy('sku'));
  const returned = await bySku(db('return_lines').where({ outcome: 'restocked' }).select('sku').sum({ n: 'quantity' }).groupBy('sku'));
  const writtenOff = new Map<string, number>();
  for (const e of await db('order_events').where({ type: 'inspection' }).select('data_json')) {
    for (const u of inspectionWriteOffs(e.data_json)) writtenOff.set(u, (writtenOff.get(u) ?? 0) + 1);
  }
  const inv: Row[] = await db('inventory').select('sku', 'on_hand', 'reserved').orderBy('sku');
  const skus = inv.map((r) => ({
    sku: r.sku as string,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    journal: journal.get(r.sku) ?? 0,
    shipped: shipped.get(r.sku) ?? 0,
    writtenOff: writtenOff.get(r.sku) ?? 0,
    returnedToShelf: returned.get(r.sku) ?? 0,
    heldByLines: held.get(r.sku) ?? 0,
  }));
  // Units held by a line that was dropped, or by an order that ended without shipping them.
  const strays: Row[] = await db('order_lines as l')
    .join('orders as o', 'o.order_no', 'l.order_no')
    .where('l.reserved_quantity', '>', 0)
    .whereNot('l.status', 'shipped')
    .where((q) => q.whereIn('l.status', DROPPED_LINES).orWhereIn('o.status', ENDED_UNSHIPPED))
    .select('l.order_no', 'o.status as order_status', 'l.id', 'l.status', 'l.sku', 'l.reserved_quantity');
  return {
    skus,
    strays: strays.map((r) => ({ orderNo: r.order_no, orderStatus: r.order_status, lineId: Number(r.id), lineStatus: r.status, sku: r.sku, reservedQuantity: Number(r.reserved_quantity) })),
  };
}

/** The SKUs of the units an inspection event (P1.4, activities/warehouse) wrote off: one unit each. */
export function inspectionWriteOffs(dataJson: string | null | undefined): string[] {
  if (!dataJson) return [];
  const outcome = (JSON.parse(dataJson) as { outcome?: { replaced?: Array<{ sku: string }>; unresolved?: Array<{ sku: string }> } }).outcome ?? {};
  return [...(outcome.replaced ?? []), ...(outcome.unresolved ?? [])].map((u) => u.sku);
}

// ---------------------------------------------------------------------------------------------
// Money (P1.3, refunds)

export interface OrderMoneyFacts {
  orderNo: string;
  status: string;
  total: number;
  /** Value of the lines still to ship or shipped (not cancelled or released). */
  liveLinesValue: number;
  /** Value of the lines handed over. */
  shippedLinesValue: number;
  /** What returns (P3.4) and refunded parcels (P3.2) gave back. */
  returnedValue: number;
  provider: { charged: number; refunded: number; pendingCharges: number };
  boxflow: { charged: number; refunded: number; pendingCharges: number; pendingRefunds: number };
}

/**
 * What the provider should hold for this order given where it stands: for a cancelled or failed
 * order, what was handed over before (0 for one that never shipped); once paid, the value of the
 * lines that shipped or still wait; before payment, nothing. Less what returns and refunded
 * parcels gave back.
 */
export function expectedHeld(o: OrderMoneyFacts): number {
  const heldValue = (v: number) => money(Math.max(0, v - o.returnedValue));
  if (ENDED_UNSHIPPED.includes(o.status)) return heldValue(o.shippedLinesValue);
  // on_hold comes before payment (P1.1 catalog changed) or after it: the charge tells which.
  if (PAID_STATUSES.includes(o.status) || o.provider.charged > 0) return heldValue(o.liveLinesValue);
  return 0;
}

export function evaluateMoney(orders: OrderMoneyFacts[]): Invariant[] {
  const held: string[] = [];
  const agree: string[] = [];
  const pending: string[] = [];
  let charged = 0;
  let refunded = 0;
  for (const o of orders) {
    const p = o.provider;
    const h = money(p.charged - p.refunded);
    charged += p.charged;
    refunded += p.refunded;
    if (p.refunded > p.charged + CENT) held.push(`${o.orderNo} (${o.status}): refunded ${fmt(p.refunded)}, more than charged ${fmt(p.charged)}`);
    if (p.charged > o.total + CENT) held.push(`${o.orderNo} (${o.status}): charged ${fmt(p.charged)}, more than the order total ${fmt(o.total)}`);
    const expected = expectedHeld(o);
    if (Math.abs(h - expected) > CENT) {
      held.push(`${o.orderNo} (${o.status}): the provider holds ${fmt(h)} (charged ${fmt(p.charged)} − refunded ${fmt(p.refunded)}), the order's outcome says ${fmt(expected)}`);
    }
    if (Math.abs(o.boxflow.charged - p.charged) > CENT) agree.push(`${o.orderNo}: BoxFlow records a charge of ${fmt(o.boxflow.charged)}, the provider charged ${fmt(p.charged)}`);
    if (Math.abs(o.boxflow.refunded - p.refunded) > CENT) agree.push(`${o.orderNo}: BoxFlow records refunds of ${fmt(o.boxflow.refunded)}, the provider refunded ${fmt(p.refunded)}`);
    if (CLOSED_STATUSES.includes(o.status)) {
      if (p.pendingCharges) pending.push(`${o.orderNo} is ${o.status} but the provider still has ${p.pendingCharges} pending charge(s): the customer can still pay`);
      if (o.boxflow.pendingCharges) pending.push(`${o.orderNo} is ${o.status} but BoxFlow still records ${o.boxflow.pendingCharges} pending charge(s)`);
      if (o.boxflow.pendingRefunds) pending.push(`${o.orderNo} is ${o.status} but BoxFlow still records ${o.boxflow.pendingRefunds} pending refund(s)`);
    }
  }
  return [
    invariant('money held = charged − refunded matches each order\'s outcome', { orders: orders.length, charged: fmt(charged), refunded: fmt(refunded), held: fmt(charged - refunded), breaches: held.length }, held, orders.length > 0),
    invariant('BoxFlow\'s payment records agree with the provider\'s ledger', { orders: orders.length, disagreeing: agree.length }, agree, orders.length > 0),
    invariant('no pending charge on a closed order', { closedOrders: orders.filter((o) => CLOSED_STATUSES.includes(o.status)).length, breaches: pending.length }, pending, orders.length > 0),
  ];
}

async function moneyFacts(db: Db, scope: LedgerScope): Promise<OrderMoneyFacts[]> {
  const inScope = (q: Knex.QueryBuilder): Promise<Row[]> => (scope.orderNos ? q.whereIn('order_no', scope.orderNos) : q);
  const orders: Row[] = await inScope(db('orders').select('order_no', 'status', 'total_amount'));
  const facts = new Map<string, OrderMoneyFacts>(
    orders.map((o) => [
      o.order_no,
      {
        orderNo: o.order_no,
        status: o.status,
        total: money(Number(o.total_amount)),
        liveLinesValue: 0,
        shippedLinesValue: 0,
        returnedValue: 0,
        provider: { charged: 0, refunded: 0, pendingCharges: 0 },
        boxflow: { charged: 0, refunded: 0, pendingCharges: 0, pendingRefunds: 0 },
      },
    ]),
  );
  for (const l of await inScope(db('order_lines').select('order_no', 'status', 'quantity', 'unit_price'))) {
    const f = facts.get(l.order_no);
    if (!f) continue;
    const value = Number(l.quantity) * Number(l.unit_price);
    if (!DROPPED_LINES.includes(l.status)) f.liveLinesValue = money(f.liveLinesValue + value);
    if (l.status === 'shipped') f.shippedLinesValue = money(f.shippedLinesValue + value);
  }
  for (const r of await inScope(db('returns').where({ status: 'refunded' }).select('order_no', 'refund_amount'))) {
    const f = facts.get(r.order_no);
    if (f) f.returnedValue = money(f.returnedValue + Number(r.refund_amount ?? 0));
  }
  for (const s of await inScope(db('shipments').where({ status: 'refunded' }).select('order_no', 'items_json'))) {
    const f = facts.get(s.order_no);
    const items = JSON.parse(s.items_json) as Array<{ unitPrice: number; quantity: number }>;
    if (f) f.returnedValue = money(f.returnedValue + items.reduce((n, i) => n + i.unitPrice * i.quantity, 0));
  }
  const providerRows: Row[] = scope.providerPayments
    ? (await scope.providerPayments()).map((p) => ({ order_no: p.orderNo, kind: p.kind, status: p.status, amount: p.amount }))
    : await inScope(db('sandbox_payment_operations').select('order_no', 'kind', 'status', 'amount'));
  for (const p of providerRows) {
    const f = facts.get(p.order_no);
    if (!f) continue;
    if (p.status === 'succeeded') f.provider[p.kind === 'charge' ? 'charged' : 'refunded'] = money(f.provider[p.kind === 'charge' ? 'charged' : 'refunded'] + Number(p.amount));
    if (p.kind === 'charge' && p.status === 'pending') f.provider.pendingCharges++;
  }
  for (const p of await inScope(db('payments').select('order_no', 'kind', 'status', 'amount'))) {
    const f = facts.get(p.order_no);
    if (!f) continue;
    if (p.status === 'succeeded') f.boxflow[p.kind === 'charge' ? 'charged' : 'refunded'] = money(f.boxflow[p.kind === 'charge' ? 'charged' : 'refunded'] + Number(p.amount));
    if (p.status === 'pending') f.boxflow[p.kind === 'charge' ? 'pendingCharges' : 'pendingRefunds']++;
  }
  return [...facts.values()];
}

// ---------------------------------------------------------------------------------------------
// Carrier bookings (P2.3, P3.2)

export interface BookingFacts {
  carrier: string;
  /** The carrier's idempotency key: a shipment id, or `return:<rma>` for a return label. */
  key: string;
  waybillNo: string;
  orderNo: string;
  /** booked (a live waybill) | cancelled | rejected */
  status: string;
}

export interface ShipmentFacts {
  id: string;
  orderNo: string;
  orderStatus: string;
  status: string;
  trackingNo: string | null;
  shippedAt: string | null;
}

export function evaluateBookings(bookings: BookingFacts[], shipments: ShipmentFacts[]): Invariant[] {
  const live = bookings.filter((b) => b.status === 'booked');
  const byKey = new Map<string, BookingFacts[]>();
  for (const b of live) byKey.set(b.key, [...(byKey.get(b.key) ?? []), b]);
  const twice: string[] = [];
  for (const [key, bs] of byKey) if (bs.length > 1) twice.push(`shipment ${key} booked ${bs.length} times: ${bs.map((b) => `${b.carrier} ${b.waybillNo}`).join(', ')}`);
  const handedOver = shipments.filter((s) => s.shippedAt && s.status !== 'replaced');
  for (const s of handedOver) {
    const bs = byKey.get(s.id) ?? [];
    if (!bs.length) twice.push(`shipment ${s.id} (${s.status}) left with ${s.trackingNo} but the carrier has no live booking for it`);
    else if (!bs.some((b) => b.waybillNo === s.trackingNo)) twice.push(`shipment ${s.id} left with ${s.trackingNo}, the carrier issued ${bs.map((b) => b.waybillNo).join(', ')}`);
  }

  const byId = new Map(shipments.map((s) => [s.id, s]));
  const stray: string[] = [];
  for (const b of live) {
    if (b.key.startsWith('return:')) continue; // a return label: the customer sends goods back
    const s = byId.get(b.key);
    if (!s) stray.push(`${b.carrier} waybill ${b.waybillNo} (order ${b.orderNo}) is live for shipment ${b.key}, which BoxFlow does not have`);
    else if (s.status === 'cancelled' || s.status === 'replaced') stray.push(`${b.carrier} waybill ${b.waybillNo} is live but shipment ${s.id} is ${s.status}`);
    else if (ENDED_UNSHIPPED.includes(s.orderStatus) && !s.shippedAt) stray.push(`${b.carrier} waybill ${b.waybillNo} is live but order ${s.orderNo} is ${s.orderStatus} and shipment ${s.id} never left`);
  }
  return [
    invariant('no shipment booked twice', { carrierBookings: live.length, shipmentsBooked: byKey.size, shipmentsHandedOver: handedOver.length, breaches: twice.length }, twice, true),
    invariant('no live waybill on a cancelled shipment or order', { liveWaybills: live.length, stray: stray.length }, stray, true),
  ];
}

async function bookingFacts(db: Db, scope: LedgerScope): Promise<{ bookings: BookingFacts[]; shipments: ShipmentFacts[] }> {
  const bq = db('sandbox_carrier_bookings').select('carrier', 'idempotency_key', 'waybill_no', 'order_no', 'status');
  const sq = db('shipments as s').join('orders as o', 'o.order_no', 's.order_no').select('s.id', 's.order_no', 'o.status as order_status', 's.status', 's.tracking_no', 's.shipped_at');
  const bookings: Row[] = await (scope.orderNos ? bq.whereIn('order_no', scope.orderNos) : bq);
  const shipments: Row[] = await (scope.orderNos ? sq.whereIn('s.order_no', scope.orderNos) : sq);
  return {
    bookings: bookings.map((b) => ({ carrier: b.carrier, key: b.idempotency_key, waybillNo: b.waybill_no, orderNo: b.order_no, status: b.status })),
    shipments: shipments.map((s) => ({ id: s.id, orderNo: s.order_no, orderStatus: s.order_status, status: s.status, trackingNo: s.tracking_no ?? null, shippedAt: s.shipped_at ? String(s.shipped_at) : null })),
  };
}

// ---------------------------------------------------------------------------------------------
// Customer messages (P3.4, P3.5)

export interface SentMessageFacts {
  orderNo: string;
  kind: string;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  dedupeKey: string;
}

/**
 * The same words to the same person about the same order, sent twice, under two keys (one key is
 * sent at most once by the outbox's UNIQUE key). A second delay notice a person asked for
 * (`delayed-again:`) is a message of its own.
 */
export function evaluateMessages(sent: SentMessageFacts[]): Invariant {
  const groups = new Map<string, SentMessageFacts[]>();
  for (const m of sent) {
    const cause = m.dedupeKey.startsWith('delayed-again:') ? 'again' : '';
    const k = JSON.stringify([m.orderNo, m.kind, m.channel, m.recipient, m.subject, m.body, cause]);
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  const twice = [...groups.values()].filter((g) => g.length > 1);
  return invariant(
    'each message sent once',
    { sent: sent.length, sentTwice: twice.length },
    twice.map((g) => `${g[0].orderNo} ${g[0].kind} to ${g[0].recipient}: sent ${g.length} times (keys ${g.map((m) => m.dedupeKey).join(', ')})`),
    true,
  );
}

async function sentMessages(db: Db, scope: LedgerScope): Promise<SentMessageFacts[]> {
  const q = db('notifications').whereIn('status', ['sent', 'sending']).select('order_no', 'kind', 'channel', 'recipient', 'subject', 'body', 'dedupe_key');
  const rows: Row[] = await (scope.orderNos ? q.whereIn('order_no', scope.orderNos) : q);
  return rows.map((r) => ({ orderNo: r.order_no, kind: r.kind, channel: r.channel, recipient: r.recipient, subject: r.subject, body: r.body, dedupeKey: r.dedupe_key }));
}

// ---------------------------------------------------------------------------------------------

/**
 * Every invariant of the app database, each with its counts and breaches. `carrierBookings`: the
 * bookings of live carriers, which keep their ledger on their side (SF's order book; in tests the
 * stand-in's), checked like the sandbox carriers' table.
 */
export async function checkLedger(db: Db, scope: LedgerScope = {}, carrierBookings: BookingFacts[] = []): Promise<Invariant[]> {
  const stock = await stockFacts(db);
  const bookings = await bookingFacts(db, scope);
  bookings.bookings.push(...(scope.orderNos ? carrierBookings.filter((b) => scope.orderNos!.includes(b.orderNo)) : carrierBookings));
  const skus = scope.skus ? stock.skus.filter((s) => scope.skus!.includes(s.sku)) : stock.skus;
  return [
    ...evaluateStock(skus, scope.orderNos ? stock.strays.filter((s) => scope.orderNos!.includes(s.orderNo)) : stock.strays),
    ...evaluateMoney(await moneyFacts(db, scope)),
    ...evaluateBookings(bookings.bookings, bookings.shipments),
    evaluateMessages(await sentMessages(db, scope)),
  ];
}

/** Every breach, prefixed with its invariant's name. */
export function breachesOf(invariants: Invariant[]): string[] {
  return invariants.filter((i) => i.applicable && !i.ok).flatMap((i) => i.breaches.map((b) => `${i.name}: ${b}`));
}

/** One line per invariant (and one per breach), as the chaos run and `npm run ledger` print them. */
export function formatInvariants(invariants: Invariant[]): string[] {
  const lines: string[] = [];
  for (const i of invariants) {
    const mark = !i.applicable ? 'n/a ' : i.ok ? 'ok  ' : 'BREACH';
    lines.push(`${mark} ${i.name}: ${Object.entries(i.counts).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    for (const b of i.breaches) lines.push(`       - ${b}`);
  }
  return lines;
}
