/**
 * Issue 15 item 2, "fewer round trips" (workflow patch `merged-steps`): a new order runs its steps
 * as one activity (one transaction) each — accept, charge, prepare the pick, pack and label, book,
 * hand over, notify — on the real worker, with the timeline telling the same story as before. The
 * hand-over is one transaction: when it fails half-way, nothing of it is committed.
 */
import request from 'supertest';
import type { temporal } from '@temporalio/proto';
import { createApiKey } from '../../db/api-keys';
import { getStock, reserveLine, setOnHand } from '../../db/inventory';
import { handOverTx } from '../../db/order-steps';
import { insertOrder } from '../../db/orders';
import { createShipments, updateShipment } from '../../db/shipments';
import { dbTime } from '../../db/time';
import { createHarness, Harness, maybeRecordHistory, openTaskOf, orderResult, orderStatusIs, sampleOrder, statusTrail, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
let deskKey: string;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.01' } });
  deskKey = (await createApiKey(h.db, { name: 'supervisor.li', scopes: ['tasks:decide'], createdBy: 'test' })).key;
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const decide = (id: number, decision: string) => request(h.app).post(`/api/tasks/${id}/decision`).set('Authorization', `Bearer ${deskKey}`).send({ decision, note: 'test' });

/** The order's activities in the order they were scheduled, and the patch ids and local-activity markers recorded. */
async function activitiesOf(orderNo: string): Promise<{ types: string[]; patches: string[]; localActivities: number }> {
  const history = await workflowHandle(h, orderNo).fetchHistory();
  const types: string[] = [];
  const patches: string[] = [];
  let localActivities = 0;
  for (const e of (history.events ?? []) as temporal.api.history.v1.IHistoryEvent[]) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) types.push(a.activityType?.name ?? '?');
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName === 'core_local_activity') localActivities++;
    if (m?.markerName === 'core_patch') {
      const data = m.details?.['patch-data']?.payloads?.[0]?.data;
      if (data) patches.push(JSON.parse(Buffer.from(data).toString('utf8')).id);
    }
  }
  return { types, patches, localActivities };
}

test('a retail order runs 7 activities to the customer\'s shipped message, the timeline unchanged', async () => {
  const before = await getStock(h.db, 'BB-MOLLY-SPACE');
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 3, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const result = await orderResult(h, order.orderNo);
  expect(result.status).toBe('shipped');

  expect(await statusTrail(h, order.orderNo)).toEqual(['received', 'validated', 'reserving', 'awaiting_payment', 'paid', 'picking', 'packed', 'labelled', 'booked', 'shipped']);
  const after = await getStock(h.db, 'BB-MOLLY-SPACE');
  expect(after).toEqual({ sku: 'BB-MOLLY-SPACE', onHand: before!.onHand - 3, reserved: 0 });
  const shipment = await h.db('shipments').where({ order_no: order.orderNo }).first();
  expect(shipment).toMatchObject({ status: 'shipped', tracking_no: result.trackingNumbers[0] });
  // P2.8's ship-by time rode along with the intake.
  expect((await h.db('orders').where({ order_no: order.orderNo }).first('ship_by')).ship_by).toBeTruthy();

  // The customer's message follows the hand-over (the tracker starts after it).
  const { types, patches, localActivities } = await waitFor('the shipped message to be scheduled', async () => {
    const seen = await activitiesOf(order.orderNo);
    return seen.types.includes('notifyCustomer') ? seen : undefined;
  });
  const handOver = types.indexOf('handOver');
  expect(types.slice(0, handOver + 2)).toEqual(['acceptOrder', 'requestPayment', 'preparePick', 'packAndLabel', 'bookShipment', 'handOver', 'notifyCustomer']);
  expect(handOver + 2 + localActivities).toBeLessThanOrEqual(8);
  expect(types).not.toContain('recordStatus');
  expect(patches).toContain('merged-steps');
  await maybeRecordHistory(h, order.orderNo, 'v8-merged-shipped');
});

test('a restockable shortage back-orders without a task and ships on restock, through the merged steps', async () => {
  const SKU = 'ACC-GLASS-CASE';
  expect((await h.api().put(`/api/catalog/${SKU}/stockout-policy`).send({ policy: 'restockable' })).status).toBe(200);
  await setOnHand(h.db, SKU, 0, 'test setup');
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 299 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'back_ordered', 120_000);
  expect((await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 1 })).status).toBe(200);
  expect((await orderResult(h, order.orderNo, 180_000)).status).toBe('shipped');
  expect(await statusTrail(h, order.orderNo)).toEqual(['received', 'validated', 'reserving', 'awaiting_payment', 'paid', 'back_ordered', 'picking', 'packed', 'labelled', 'booked', 'shipped']);
  expect(await getStock(h.db, SKU)).toEqual({ sku: SKU, onHand: 0, reserved: 0 });
  // The wait keeps its own steps (policy, back-order, the back_ordered status, the restock note); the rest is merged.
  expect((await activitiesOf(order.orderNo)).types.slice(0, 10)).toEqual(['acceptOrder', 'requestPayment', 'stockoutPolicies', 'registerBackOrders', 'recordStatus', 'recordEvent', 'preparePick', 'packAndLabel', 'bookShipment', 'handOver']);
  await maybeRecordHistory(h, order.orderNo, 'v8-merged-back-ordered-shipped');
});

test('ship what is there now: the first hand-over writes partially_shipped, the rest ships on restock', async () => {
  const SKU = 'BB-MOLLY-SPACE-CASE';
  await setOnHand(h.db, SKU, 2, 'test setup');
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 5, unitPrice: 828 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');
  expect((await decide(task.id, 'ship_available_now')).status).toBe(200);
  await orderStatusIs(h, order.orderNo, 'partially_shipped');
  expect(await h.db('shipments').where({ order_no: order.orderNo, status: 'shipped' })).toHaveLength(1);
  expect((await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 3 })).status).toBe(200);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  expect(await statusTrail(h, order.orderNo)).toEqual([
    'received', 'validated', 'reserving', 'awaiting_payment', 'paid', 'on_hold', 'picking', 'packed', 'labelled', 'booked', 'partially_shipped',
    'picking', 'packed', 'labelled', 'booked', 'shipped',
  ]);
  expect(await getStock(h.db, SKU)).toEqual({ sku: SKU, onHand: 0, reserved: 0 });
  await maybeRecordHistory(h, order.orderNo, 'v8-merged-partial-shipment');
});

test('the hand-over is one transaction: a failure half-way commits nothing, a retry commits it once', async () => {
  // A fixture order (no workflow): one reserved line and one booked parcel.
  const SKU = 'BB-DIMOO-FOREST';
  // Free of charge (nothing to pay) and booked with the sandbox carrier, so the ledger's money and
  // waybill checks hold for it once it has shipped.
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 2, unitPrice: 0 }] });
  await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: 'fixture', now: dbTime() });
  const line = await h.db('order_lines').where({ order_no: order.orderNo }).first();
  expect(await reserveLine(h.db, line.id)).toBe('reserved');
  const [shipmentId] = await createShipments(h.db, order.orderNo, [
    { parcelIndex: 1, items: [], weightGrams: 100, volumeCm3: 1000, packaging: { box: 'small_box', protection: 'none', reason: 'test' } } as never,
  ]);
  const waybill = `YT${Date.now()}`;
  await h.db('sandbox_carrier_bookings').insert({ carrier: 'YTO', idempotency_key: shipmentId, waybill_no: waybill, order_no: order.orderNo, status: 'booked', created_at: dbTime() });
  await updateShipment(h.db, shipmentId, { status: 'booked', carrier: 'YTO', tracking_no: waybill, booked_at: dbTime() });
  const stock = await getStock(h.db, SKU);
  const events = async () => (await h.db('order_events').where({ order_no: order.orderNo })).length;
  const eventsBefore = await events();
  const statuses = [
    { status: 'booked' as const, detail: 'P2.3: booked', dedupeKey: `${order.orderNo}:1:booked` },
    { status: 'shipped' as const, detail: 'P2.2: shipped', dedupeKey: `${order.orderNo}:2:shipped` },
  ];

  // The second line id does not exist: the parcel was already shipped and the first line's units
  // off the shelf inside the transaction when it fails; all of it rolls back.
  await expect(handOverTx(h.db, { orderNo: order.orderNo, shipmentIds: [shipmentId], lineIds: [line.id, 987654321], statuses })).rejects.toThrow(/987654321/);
  expect(await h.db('shipments').where({ id: shipmentId }).first()).toMatchObject({ status: 'booked', shipped_at: null });
  expect(await h.db('order_lines').where({ id: line.id }).first()).toMatchObject({ status: 'reserved', reserved_quantity: 2 });
  expect(await getStock(h.db, SKU)).toEqual(stock);
  expect(await events()).toBe(eventsBefore);
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('received');

  // The same step retried (twice) commits once.
  for (let i = 0; i < 2; i++) await handOverTx(h.db, { orderNo: order.orderNo, shipmentIds: [shipmentId], lineIds: [line.id], statuses });
  expect(await h.db('shipments').where({ id: shipmentId }).first()).toMatchObject({ status: 'shipped' });
  expect(await getStock(h.db, SKU)).toEqual({ sku: SKU, onHand: stock!.onHand - 2, reserved: stock!.reserved - 2 });
  expect(await statusTrail(h, order.orderNo)).toEqual(['received', 'booked', 'shipped']);
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('shipped');

  // (The fixture's parcel stays shipped: the ledger counts its units as handed over, with its waybill.)
});
