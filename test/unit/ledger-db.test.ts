/**
 * The ledger (db/ledger.ts) on a real scratch database (SQLite, or PostgreSQL with
 * BOXFLOW_TEST_DATABASE_URL): a small world written through the same functions the activities use
 * (stock, payments with the sandbox provider, a sandbox carrier, the outbox, an inspection write-off,
 * a return put back on the shelf), where every invariant holds. Then each invariant is broken on
 * purpose, inside a transaction that is rolled back, and exactly that invariant reports the breach:
 * a check that cannot fail proves nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandboxCarrier } from '../../adapters/carriers/sandbox-carrier';
import { createSandboxPaymentProvider } from '../../adapters/payments';
import { createReturnActivities } from '../../activities/return.activities';
import { createWarehouseActivities } from '../../activities/warehouse.activities';
import type { ActivityDeps } from '../../activities/deps';
import { addOnHand, commitShippedLine, releaseLine, reserveLine, setOnHand } from '../../db/inventory';
import { createDb, Db, migrateToLatest } from '../../db/knex';
import { breachesOf, checkLedger } from '../../db/ledger';
import { claimForSending, enqueueNotification, markSent } from '../../db/notifications';
import { insertOrder } from '../../db/orders';
import { recordCharge, recordRefund, setPaymentStatus } from '../../db/payments';
import { createReturn } from '../../db/returns';
import { seedDemoCatalog } from '../../db/seed';
import { createShipments, updateShipment } from '../../db/shipments';
import { dbTime } from '../../db/time';
import type { OrderInput } from '../../domain/types';
import { migrationSource } from '../../migrations';
import { expectLedgerHolds } from '../support/ledger';
import { createTestDatabase, TestDatabase } from '../support/test-database';

let dir: string;
let testDb: TestDatabase;
let db: Db;
const tag = crypto.randomBytes(3).toString('hex').toUpperCase();
const SHIP = `L${tag}-SHIP`;
const CANCEL = `L${tag}-CANCEL`;
const WAIT = `L${tag}-WAIT`;
let shipParcel: string;

async function newOrder(orderNo: string, lines: OrderInput['lines'], token: string, sandbox?: OrderInput['sandbox'], into: Db = db): Promise<number[]> {
  await insertOrder(
    into,
    {
      orderNo,
      type: 'retail',
      customer: { name: '王小明', phone: '13800138000', email: 'xm@example.cn' },
      shippingAddress: { name: '王小明', phone: '13800138000', line1: '世纪大道 100 号', city: '上海', postalCode: '200120', country: 'CN' },
      lines,
      currency: 'CNY',
      payment: { method: 'card', token },
      sandbox,
    },
    { workflowId: `order-${orderNo}`, requestHash: 'x', now: dbTime() },
  );
  return (await into('order_lines').where({ order_no: orderNo }).orderBy('line_no')).map((l) => l.id);
}
const setStatus = (orderNo: string, status: string) => db('orders').where({ order_no: orderNo }).update({ status });

async function charge(orderNo: string, amount: number, token: string) {
  const provider = createSandboxPaymentProvider(db);
  const key = `charge:${orderNo}`;
  const r = await provider.charge({ idempotencyKey: key, orderNo, amount, currency: 'CNY', token });
  await recordCharge(db, { orderNo, idempotencyKey: key, amount, currency: 'CNY', status: r.status, providerRef: r.reference });
  return r.reference;
}
async function refund(orderNo: string, amount: number, chargeRef: string, key: string) {
  const provider = createSandboxPaymentProvider(db);
  const intent = await recordRefund(db, { orderNo, idempotencyKey: key, requestedAmount: amount, reason: 'test' });
  const r = await provider.refund({ idempotencyKey: key, orderNo, amount: intent!.amount, currency: 'CNY', chargeReference: chargeRef, reason: 'test' });
  await setPaymentStatus(db, key, { status: r.status, providerRef: r.reference });
}
/** A booking with the sandbox carrier, which accepts it (its waybill). */
async function book(carrier: ReturnType<typeof createSandboxCarrier>, orderNo: string, shipmentId: string): Promise<string> {
  const r = await carrier.book({ idempotencyKey: shipmentId, orderNo, shipmentId } as never);
  if (!r.accepted) throw new Error(r.reason);
  return r.waybillNo;
}
async function sendMessage(orderNo: string, kind: string, key: string) {
  const n = await enqueueNotification(db, { orderNo, kind, channel: 'email', recipient: 'xm@example.cn', lang: 'zh', subject: `订单 ${orderNo}`, body: `${kind} ${orderNo}`, dedupeKey: key });
  await claimForSending(db, n.id);
  await markSent(db, n.id);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-ledger-'));
  testDb = await createTestDatabase(dir, crypto.randomBytes(4).toString('hex'));
  db = createDb({ dataDir: dir, databaseUrl: testDb.databaseUrl });
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  const carrier = createSandboxCarrier(db, { code: 'SF', waybillPrefix: 'SF', base: 12, perKg: 2 });
  const deps = { db, settings: { sandbox: true, timeScale: 1 }, carriers: () => carrier } as unknown as ActivityDeps;

  // Goods arrive and are counted (journaled).
  await addOnHand(db, 'BB-MOLLY-SPACE', 5);
  await setOnHand(db, 'BB-DIMOO-FOREST', 170);

  // SHIP: 2 × 69, paid, one damaged unit replaced from stock at inspection, handed over, told, one unit returned to the shelf and refunded.
  const [shipLine] = await newOrder(SHIP, [{ sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 }], 'tok_paid', { inspection: 'damaged_once' });
  expect(await reserveLine(db, shipLine)).toBe('reserved');
  const shipCharge = await charge(SHIP, 138, 'tok_paid');
  expect((await createWarehouseActivities(deps).inspectPickedUnits(SHIP)).replaced).toHaveLength(1);
  const [parcel] = await createShipments(db, SHIP, [{ parcelIndex: 1, items: [], weightGrams: 240, volumeCm3: 700, packaging: { box: 'carton', protection: 'none', reason: 'test' } }]);
  shipParcel = parcel;
  const waybill = await book(carrier, SHIP, parcel);
  await commitShippedLine(db, shipLine);
  await updateShipment(db, parcel, { status: 'shipped', carrier: 'SF', tracking_no: waybill, shipped_at: dbTime() });
  await setStatus(SHIP, 'delivered');
  await sendMessage(SHIP, 'shipped', `shipped:${parcel}`);
  await createReturn(db, { rmaNo: `RMA-${SHIP}`, orderNo: SHIP, source: 'customer', reason: 'test', lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }] });
  await db('return_lines').where({ rma_no: `RMA-${SHIP}` }).update({ condition: 'resellable' });
  expect(await createReturnActivities(deps).settleReturnedStock(`RMA-${SHIP}`)).toEqual({ restocked: 1, writtenOff: 0 });
  await refund(SHIP, 69, shipCharge, `refund:${SHIP}:return`);
  await db('returns').where({ rma_no: `RMA-${SHIP}` }).update({ status: 'refunded', refund_amount: 69 });

  // CANCEL: paid, booked, then cancelled: booking cancelled with the carrier, stock released, refunded in full.
  const [cancelLine] = await newOrder(CANCEL, [{ sku: 'BB-DIMOO-FOREST', quantity: 1, unitPrice: 69 }], 'tok_paid');
  await reserveLine(db, cancelLine);
  const cancelCharge = await charge(CANCEL, 69, 'tok_paid');
  const [cancelParcel] = await createShipments(db, CANCEL, [{ parcelIndex: 1, items: [], weightGrams: 130, volumeCm3: 400, packaging: { box: 'carton', protection: 'none', reason: 'test' } }]);
  const cancelWaybill = await book(carrier, CANCEL, cancelParcel);
  await updateShipment(db, cancelParcel, { status: 'booked', carrier: 'SF', tracking_no: cancelWaybill });
  await carrier.cancel(cancelParcel);
  await updateShipment(db, cancelParcel, { status: 'cancelled' });
  await releaseLine(db, cancelLine);
  await refund(CANCEL, 69, cancelCharge, `refund:${CANCEL}:cancel`);
  await setStatus(CANCEL, 'cancelled');

  // WAIT: the charge is pending, the customer has not paid yet.
  await newOrder(WAIT, [{ sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 }], 'tok_pending');
  await charge(WAIT, 399, 'tok_pending');
  await setStatus(WAIT, 'awaiting_payment');
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a world written through the real functions satisfies every invariant', async () => {
  const invariants = await checkLedger(db);
  expect(breachesOf(invariants)).toEqual([]);
  expect(invariants.map((i) => i.name)).toEqual([
    'stock balances (on hand = journal + returned to shelf − shipped − written off)',
    'reserved = what open order lines hold',
    'money held = charged − refunded matches each order\'s outcome',
    'BoxFlow\'s payment records agree with the provider\'s ledger',
    'no pending charge on a closed order',
    'no shipment booked twice',
    'no live waybill on a cancelled shipment or order',
    'each message sent once',
  ]);
  // It looked at something: the journal, a shipped unit, a write-off, a return, money, a waybill, a message.
  const counts = Object.fromEntries(invariants.map((i) => [i.name.split(' ')[0] + ' ' + i.name.split(' ')[1], i.counts]));
  expect(counts['stock balances']).toMatchObject({ shipped: 2, writtenOff: 1, returnedToShelf: 1 });
  expect(counts['money held']).toMatchObject({ charged: '207.00', refunded: '138.00' });
  expect(counts['no live']).toMatchObject({ liveWaybills: 1 });
  expect(counts['each message']).toMatchObject({ sent: 1 });
});

/** Runs a change in a transaction, checks the ledger inside it, rolls back. */
async function brokenBy(change: (trx: Db) => Promise<unknown>): Promise<Array<{ name: string; breaches: string[] }>> {
  const trx = await db.transaction();
  try {
    await change(trx);
    return (await checkLedger(trx)).filter((i) => !i.ok).map((i) => ({ name: i.name, breaches: i.breaches }));
  } finally {
    await trx.rollback();
  }
}

const cases: Array<[string, string, RegExp, (trx: Db) => Promise<unknown>]> = [
  ['a unit leaves the shelf without a record', 'stock balances (on hand = journal + returned to shelf − shipped − written off)', /BB-MOLLY-SPACE: on hand \d+, but journal/, (trx) => trx('inventory').where({ sku: 'BB-MOLLY-SPACE' }).decrement('on_hand', 1)],
  ['stock reserved for no order line', 'reserved = what open order lines hold', /PL-LABUBU-30: reserved 1, but the unshipped order lines hold 0/, (trx) => trx('inventory').where({ sku: 'PL-LABUBU-30' }).increment('reserved', 1)],
  ['a cancelled order re-reserves its line (a late reserveLine)', 'reserved = what open order lines hold', /L\w+-CANCEL is cancelled but line \d+ \(BB-DIMOO-FOREST\) still holds 1/, async (trx) => {
    await trx('order_lines').where({ order_no: CANCEL }).update({ status: 'reserved', reserved_quantity: 1 });
    await trx('inventory').where({ sku: 'BB-DIMOO-FOREST' }).increment('reserved', 1);
  }],
  ['a refund for nothing (refunded twice)', 'money held = charged − refunded matches each order\'s outcome', /-SHIP \(delivered\): the provider holds 0.00 .* says 69.00/, async (trx) => {
    const row = { order_no: SHIP, kind: 'refund', amount: 69, status: 'succeeded', created_at: dbTime() };
    await trx('sandbox_payment_operations').insert({ ...row, idempotency_key: `refund:${SHIP}:again` });
    await trx('payments').insert({ ...row, idempotency_key: `refund:${SHIP}:again`, currency: 'CNY', updated_at: dbTime() });
  }],
  ['a cancelled order keeps its money', 'money held = charged − refunded matches each order\'s outcome', /-CANCEL \(cancelled\): the provider holds 69.00/, async (trx) => {
    await trx('sandbox_payment_operations').where({ order_no: CANCEL, kind: 'refund' }).update({ status: 'failed' });
    await trx('payments').where({ order_no: CANCEL, kind: 'refund' }).update({ status: 'failed' });
  }],
  ['BoxFlow thinks a charge failed that the provider took', 'BoxFlow\'s payment records agree with the provider\'s ledger', /-SHIP: BoxFlow records a charge of 0.00, the provider charged 138.00/, (trx) => trx('payments').where({ order_no: SHIP, kind: 'charge' }).update({ status: 'failed' })],
  ['an order cancelled while its charge is pending (issue 11, item 3)', 'no pending charge on a closed order', /-WAIT is cancelled but the provider still has 1 pending charge/, (trx) => trx('orders').where({ order_no: WAIT }).update({ status: 'cancelled' })],
  ['a second live booking for a shipment', 'no shipment booked twice', /booked 2 times/, (trx) => trx('sandbox_carrier_bookings').insert({ carrier: 'YTO', idempotency_key: shipParcel, waybill_no: 'YT1', order_no: SHIP, status: 'booked', created_at: dbTime() })],
  ['a waybill left live on a cancelled shipment (issue 11, item 5)', 'no live waybill on a cancelled shipment or order', /is live but shipment SHP-L\w+-CANCEL-1 is cancelled/, (trx) => trx('sandbox_carrier_bookings').where({ order_no: CANCEL }).update({ status: 'booked' })],
  ['the same message sent again under another key', 'each message sent once', /-SHIP shipped to xm@example.cn: sent 2 times/, async (trx) => {
    const first = await trx('notifications').where({ order_no: SHIP }).first();
    await trx('notifications').insert({ ...first, id: undefined, dedupe_key: `${first.dedupe_key}:run-2` });
  }],
];

test.each(cases)('%s breaks "%s" and nothing else', async (_what, name, breach, change) => {
  const broken = await brokenBy(change);
  expect(broken.map((b) => b.name)).toEqual([name]);
  expect(broken[0].breaches.join('\n')).toMatch(breach);
  // …and the rollback really undid it.
  expect(breachesOf(await checkLedger(db))).toEqual([]);
});

test('expectLedgerHolds throws one Error naming every breach', async () => {
  const trx = await db.transaction();
  try {
    await trx('orders').where({ order_no: WAIT }).update({ status: 'cancelled' });
    await trx('inventory').where({ sku: 'PL-LABUBU-30' }).increment('reserved', 1);
    await expect(expectLedgerHolds({ db: trx, client: undefined as never }, { workflows: false, waitMs: 0 })).rejects.toThrow(
      /the ledger does not hold \(3 breach\(es\)\):[^]*BREACH reserved = what open order lines hold[^]*BREACH no pending charge on a closed order[^]*the customer can still pay/,
    );
  } finally {
    await trx.rollback();
  }
});

test('migration 012 carries the stock of an existing database forward: the ledger balances from the start', async () => {
  const old = createDb({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'old.sqlite')}` });
  try {
    // A database at migration 010, with stock, a shipped line and a write-off, then 012 runs.
    for (;;) {
      const [done] = (await old.migrate.list({ migrationSource })) as [Array<{ name: string }>, unknown];
      if (done.some((m) => m.name === '010_order_list_index')) break;
      await old.migrate.up({ migrationSource });
    }
    await old('catalog_items').insert({ sku: 'X', name: 'x', spec: 'x', category: 'x', unit_price: 10, currency: 'CNY', weight_grams: 1, length_mm: 1, width_mm: 1, height_mm: 1 });
    await old('inventory').insert({ sku: 'X', on_hand: 7, reserved: 1 });
    const [shipped, open] = await newOrder('OLD-1', [{ sku: 'X', quantity: 2, unitPrice: 10 }, { sku: 'X', quantity: 1, unitPrice: 10 }], 'tok_paid', undefined, old);
    await old('order_lines').where({ id: shipped }).update({ status: 'shipped', reserved_quantity: 2 });
    await old('order_lines').where({ id: open }).update({ status: 'reserved', reserved_quantity: 1 });
    await old('order_events').insert({ order_no: 'OLD-1', at: dbTime(), type: 'inspection', detail: 'x', data_json: JSON.stringify({ outcome: { replaced: [{ lineId: shipped, sku: 'X' }], unresolved: [] } }), dedupe_key: 'inspection:OLD-1' });
    await migrateToLatest(old);
    expect(await old('stock_movements').where({ sku: 'X' }).select('kind', 'quantity', 'on_hand_after')).toEqual([{ kind: 'opening', quantity: 10, on_hand_after: 7 }]);
    const stock = (await checkLedger(old)).slice(0, 2);
    expect(breachesOf(stock)).toEqual([]);
  } finally {
    await old.destroy();
  }
});
