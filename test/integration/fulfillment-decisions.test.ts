/**
 * The P1/P2 branches that stop for a person, on the real workflow: each test drives an order into a
 * branch through the API and checks the final status, the timeline and the side effects (stock,
 * bookings, refunds). Time scale 0.01, so no deadline passes during these tests.
 */
import request from 'supertest';
import { createApiKey } from '../../db/api-keys';
import { getStock, setOnHand } from '../../db/inventory';
import { createHarness, Harness, maybeRecordHistory, openTaskOf, orderResult, orderStatusIs, sampleOrder, signIn, statusTrail, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { sendPaymentResult } from '../support/webhooks';

let h: Harness;
/** The supervisors' desk decides through its own key, which may only decide tasks: decisions are recorded under its name. */
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

// A count (journaled), so that the ledger's stock balance knows of it.
const setStock = (sku: string, onHand: number) => setOnHand(h.db, sku, onHand, 'test setup');
const bookings = (orderNo: string) => h.db('sandbox_carrier_bookings').where({ order_no: orderNo, status: 'booked' });
const refunds = (orderNo: string) => h.db('sandbox_payment_operations').where({ order_no: orderNo, kind: 'refund' });
// decidedBy in the body names someone else: the key's name is what gets recorded.
const decide = (id: number, decision: string, note = 'test') => request(h.app).post(`/api/tasks/${id}/decision`).set('Authorization', `Bearer ${deskKey}`).send({ decision, note, decidedBy: 'someone.else' });

describe('P1.10 stockout', () => {
  test('cancel the short line: the rest ships, the line is refunded, the decision is on the timeline', async () => {
    await setStock('PL-LABUBU-30', 0);
    const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 2, unitPrice: 69 }, { sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'stockout');
    expect(task.options).toEqual(['wait_for_restock', 'ship_available_now', 'cancel_line']);
    expect(task.defaultOption).toBe('wait_for_restock');
    expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('on_hold');

    const res = await decide(task.id, 'cancel_line', 'supplier cannot deliver before the weekend');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'cancel_line', decidedBy: 'supervisor.li' });
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    await maybeRecordHistory(h, order.orderNo, 'v2-stockout-cancel-line');

    const lines = await h.db('order_lines').where({ order_no: order.orderNo }).orderBy('line_no');
    expect(lines.map((l) => l.status)).toEqual(['shipped', 'cancelled']);
    const [refund] = await refunds(order.orderNo);
    expect(Number(refund.amount)).toBe(399);
    expect(await refunds(order.orderNo)).toHaveLength(1);
    const view = await h.api().get(`/api/orders/${order.orderNo}`);
    const decision = view.body.timeline.find((e: { type: string }) => e.type === 'decision');
    expect(decision.detail).toContain('cancel_line');
    expect(decision.data).toMatchObject({ decidedBy: 'supervisor.li', note: 'supplier cannot deliver before the weekend' });
    const page = await (await signIn(h, 'staff')).agent.get(`/orders/${order.orderNo}`).set('Accept-Language', 'en');
    expect(page.text).toContain('supplier cannot deliver before the weekend');
    expect(page.text).toContain('supervisor.li');
    expect(page.text).not.toContain('someone.else');
    expect(page.text).toContain('Stockout');
    await setStock('PL-LABUBU-30', 60);
  });

  test('wait for restock: the order is back-ordered and ships when restock arrives', async () => {
    await setStock('FIG-SKULLPANDA-400', 1);
    const order = sampleOrder({ lines: [{ sku: 'FIG-SKULLPANDA-400', quantity: 3, unitPrice: 899 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'stockout');
    expect((await decide(task.id, 'wait_for_restock')).status).toBe(200);
    await orderStatusIs(h, order.orderNo, 'back_ordered');
    expect(await h.db('back_orders').where({ order_no: order.orderNo, status: 'waiting' })).toHaveLength(1);

    const restock = await h.api().post('/api/inventory/FIG-SKULLPANDA-400/restock').send({ quantity: 5 });
    expect(restock.status).toBe(200);
    expect(restock.body.filled).toEqual([order.orderNo]);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    expect(await getStock(h.db, 'FIG-SKULLPANDA-400')).toEqual({ sku: 'FIG-SKULLPANDA-400', onHand: 3, reserved: 0 });
    expect(await statusTrail(h, order.orderNo)).toEqual(expect.arrayContaining(['on_hold', 'back_ordered', 'shipped']));
  });

  test('ship what is there now: a first parcel ships, the back-ordered rest ships as a second one', async () => {
    await setStock('BB-MOLLY-SPACE-CASE', 2);
    const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE-CASE', quantity: 5, unitPrice: 828 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'stockout');
    expect((await decide(task.id, 'ship_available_now')).status).toBe(200);
    await orderStatusIs(h, order.orderNo, 'partially_shipped');
    const partialOrderNo = order.orderNo;
    const first = await h.db('shipments').where({ order_no: order.orderNo });
    expect(first).toHaveLength(1);
    expect(JSON.parse(first[0].items_json)).toEqual([expect.objectContaining({ sku: 'BB-MOLLY-SPACE-CASE', quantity: 2 })]);

    expect((await h.api().post('/api/inventory/BB-MOLLY-SPACE-CASE/restock').send({ quantity: 3 })).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    const all = await h.db('shipments').where({ order_no: order.orderNo }).orderBy('parcel_index');
    expect(all.map((s) => [s.parcel_index, s.status, JSON.parse(s.items_json)[0].quantity])).toEqual([[1, 'shipped', 2], [2, 'shipped', 3]]);
    expect(await bookings(order.orderNo)).toHaveLength(2);
    expect(await getStock(h.db, 'BB-MOLLY-SPACE-CASE')).toEqual({ sku: 'BB-MOLLY-SPACE-CASE', onHand: 0, reserved: 0 });
    await maybeRecordHistory(h, partialOrderNo, 'v2-partial-shipment');
  });
});

describe('decisions are checked', () => {
  test('an unknown option is 400, a second decision is 409, and of two at once exactly one wins', async () => {
    await setStock('PL-LABUBU-30', 0);
    const order = sampleOrder({ lines: [{ sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'stockout');

    const bad = await decide(task.id, 'ship_it_anyway');
    expect(bad.status).toBe(400);
    expect((await h.db('tasks').where({ id: task.id }).first()).status).toBe('open');

    const [a, b] = await Promise.all([decide(task.id, 'cancel_line', 'first'), decide(task.id, 'wait_for_restock', 'second')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    const row = await h.db('tasks').where({ id: task.id }).first();
    expect(row).toMatchObject({ status: 'decided', decision: winner.body.decision, decided_by: 'supervisor.li' });
    const again = await decide(task.id, 'cancel_line');
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already_decided');
    expect((await h.api().post('/api/tasks/999999/decision').send({ decision: 'x' })).status).toBe(404);
    if (winner.body.decision === 'wait_for_restock') await h.api().post('/api/inventory/PL-LABUBU-30/restock').send({ quantity: 1 });
    expect(['shipped', 'cancelled']).toContain((await orderResult(h, order.orderNo)).status);
    await setStock('PL-LABUBU-30', 60);
  });
});

describe('P1.3 payment', () => {
  test('tok_pending waits for the webhook, then ships', async () => {
    const order = sampleOrder({ payment: { method: 'alipay', token: 'tok_pending' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    await orderStatusIs(h, order.orderNo, 'awaiting_payment');
    await waitFor('the pending charge', async () => (await h.db('payments').where({ order_no: order.orderNo, kind: 'charge' }).first()) ?? undefined);
    const hook = await sendPaymentResult(h, order.orderNo, 'succeeded');
    expect(hook.status).toBe(202);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    expect(await statusTrail(h, order.orderNo)).toEqual(expect.arrayContaining(['awaiting_payment', 'paid', 'shipped']));
  });

  test('tok_declined cancels the order and releases its stock', async () => {
    const before = await getStock(h.db, 'BB-DIMOO-FOREST');
    const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 4, unitPrice: 69 }], payment: { method: 'card', token: 'tok_declined' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
    expect(await getStock(h.db, 'BB-DIMOO-FOREST')).toEqual(before);
    expect(await bookings(order.orderNo)).toHaveLength(0);
    expect(await refunds(order.orderNo)).toHaveLength(0);
  });
});

describe('P1.4 inspection', () => {
  test('a damaged unit is replaced from spare stock', async () => {
    await setStock('CANDY-TOY-HIRONO', 10);
    const order = sampleOrder({ lines: [{ sku: 'CANDY-TOY-HIRONO', quantity: 2, unitPrice: 39 }], sandbox: { inspection: 'damaged_once' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    // 2 shipped and 1 damaged unit written off.
    expect(await getStock(h.db, 'CANDY-TOY-HIRONO')).toEqual({ sku: 'CANDY-TOY-HIRONO', onHand: 7, reserved: 0 });
    expect(await h.db('tasks').where({ order_no: order.orderNo })).toHaveLength(0);
  });

  test('without a spare, a damaged_goods task: ship without it and refund it', async () => {
    await setStock('CANDY-TOY-HIRONO', 2);
    const order = sampleOrder({ lines: [{ sku: 'CANDY-TOY-HIRONO', quantity: 2, unitPrice: 39 }], sandbox: { inspection: 'damaged_once' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'damaged_goods');
    expect((await decide(task.id, 'ship_without_and_refund')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    await maybeRecordHistory(h, order.orderNo, 'v4-damaged-goods-ship-without');
    const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
    expect(JSON.parse(shipment.items_json)[0].quantity).toBe(1);
    const rs = await refunds(order.orderNo);
    expect(rs.map((r) => Number(r.amount))).toEqual([39]);
    expect(await getStock(h.db, 'CANDY-TOY-HIRONO')).toEqual({ sku: 'CANDY-TOY-HIRONO', onHand: 0, reserved: 0 });
    await setStock('CANDY-TOY-HIRONO', 100);
  });
});

describe('P1.6 labels', () => {
  test('a label missing its production date stops the item; shipping without it refunds it', async () => {
    await h.db('catalog_items').where({ sku: 'CANDY-TOY-HIRONO' }).update({ production_date: null });
    const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }, { sku: 'CANDY-TOY-HIRONO', quantity: 2, unitPrice: 39 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'label_incomplete');
    expect(JSON.stringify(task.context)).toContain('CANDY-TOY-HIRONO');
    expect((await decide(task.id, 'ship_without_and_refund')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    await maybeRecordHistory(h, order.orderNo, 'v4-label-incomplete');
    const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
    expect(JSON.parse(shipment.items_json).map((i: { sku: string }) => i.sku)).toEqual(['BB-MOLLY-SPACE']);
    expect((await refunds(order.orderNo)).map((r) => Number(r.amount))).toEqual([78]);
    await h.db('catalog_items').where({ sku: 'CANDY-TOY-HIRONO' }).update({ production_date: '2026-09-01' });
  });
});

describe('P2.4 carrier rejection', () => {
  test('every carrier rejects: a carrier_rejected task; cancelling compensates (stock, refund, no booking)', async () => {
    const before = await getStock(h.db, 'BB-MOLLY-SPACE');
    const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 }], sandbox: { carrier: 'reject_always' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'carrier_rejected');
    expect((task.context.rejections as string[]).length).toBe(2);
    expect((await decide(task.id, 'cancel_order', 'address outside every carrier’s coverage')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
    expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toEqual(before);
    expect(await bookings(order.orderNo)).toHaveLength(0);
    expect((await refunds(order.orderNo)).map((r) => Number(r.amount))).toEqual([138]);
    expect((await h.db('shipments').where({ order_no: order.orderNo })).map((s) => s.status)).toEqual(['cancelled']);
  });
});

describe('P2.10 international', () => {
  test('a rejected customs review holds the order; resubmitting ships it with DHL or FedEx', async () => {
    const order = sampleOrder({
      shippingAddress: { name: 'Tanaka Yuki', phone: '+81 3 1234 5678', line1: '1-1 Shibuya', city: 'Tokyo', postalCode: '150-0002', country: 'JP' },
      sandbox: { customs: 'reject' },
    });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'customs_hold');
    expect((await decide(task.id, 'resubmit', 'declared value corrected')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    await maybeRecordHistory(h, order.orderNo, 'v4-customs-hold-resubmit');
    const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
    expect(['DHL', 'FEDEX']).toContain(shipment.carrier);
    const customs = JSON.parse(shipment.customs_json);
    expect(customs.attempt).toBe(2);
    expect(customs.declaration.lines[0]).toMatchObject({ hsCode: '950300', countryOfOrigin: 'CN' });
  });

  test('missing customs data (no HS code) opens a customs hold', async () => {
    await h.db('catalog_items').where({ sku: 'PL-LABUBU-30' }).update({ hs_code: null });
    const order = sampleOrder({
      lines: [{ sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 }],
      shippingAddress: { name: 'Kim Minji', phone: '+82 2 123 4567', line1: '1 Sejong-daero', city: 'Seoul', postalCode: '04524', country: 'KR' },
    });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'customs_hold');
    expect(JSON.stringify(task.context)).toMatch(/hs/i);
    expect((await decide(task.id, 'cancel_order')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
    await h.db('catalog_items').where({ sku: 'PL-LABUBU-30' }).update({ hs_code: '950300' });
  });
});

describe('P2.9 group-buy', () => {
  test('the committed quantity ships without a stop', async () => {
    const order = sampleOrder({ type: 'group_buy', groupBuy: { campaignId: 'GB-2026-11', committedQuantity: 6 }, lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 6, unitPrice: 69 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    expect(await h.db('tasks').where({ order_no: order.orderNo })).toHaveLength(0);
  });

  test('a picked quantity other than the committed one stops the order', async () => {
    const order = sampleOrder({ type: 'group_buy', groupBuy: { campaignId: 'GB-2026-12', committedQuantity: 6 }, lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 5, unitPrice: 69 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const task = await openTaskOf(h, order.orderNo, 'group_buy_mismatch');
    expect(task.context).toMatchObject({ picked: 5, committed: 6 });
    expect((await decide(task.id, 'ship_as_picked', 'organiser agreed to 5')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  });
});

describe('P1.1 the catalog changed after the order was accepted', () => {
  test('the order is parked on a catalog_changed task', async () => {
    await h.stopWorker();
    const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1, unitPrice: 69 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    await h.db('catalog_items').where({ sku: 'BB-DIMOO-FOREST' }).update({ unit_price: 79 });
    await h.startWorker();
    const task = await openTaskOf(h, order.orderNo, 'catalog_changed');
    expect((await decide(task.id, 'proceed_with_order_price')).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    await h.db('catalog_items').where({ sku: 'BB-DIMOO-FOREST' }).update({ unit_price: 69 });
  });
});

describe('cancellation', () => {
  test('before hand-over: compensates in reverse (task closed, stock released, refund); after hand-over: 409 to returns', async () => {
    await setStock('PL-LABUBU-30', 0);
    const before = await getStock(h.db, 'BB-MOLLY-SPACE');
    const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }, { sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 }] });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    await openTaskOf(h, order.orderNo, 'stockout');
    const res = await h.api().post(`/api/orders/${order.orderNo}/cancel`).send({ reason: 'customer changed their mind', requestedBy: 'cs.wang' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orderNo: order.orderNo, status: 'cancelled' });
    expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
    await maybeRecordHistory(h, order.orderNo, 'v2-cancelled-on-stockout');
    expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toEqual(before);
    expect((await h.db('tasks').where({ order_no: order.orderNo })).map((t) => t.status)).toEqual(['cancelled']);
    expect((await refunds(order.orderNo)).map((r) => Number(r.amount))).toEqual([468]);
    // Cancelling twice changes nothing.
    expect((await h.api().post(`/api/orders/${order.orderNo}/cancel`).send({ reason: 'again' })).status).toBe(409);
    expect(await refunds(order.orderNo)).toHaveLength(1);
    await setStock('PL-LABUBU-30', 60);

    const shipped = sampleOrder();
    expect((await h.api().post('/api/orders').send(shipped)).status).toBe(201);
    expect((await orderResult(h, shipped.orderNo)).status).toBe('shipped');
    const late = await h.api().post(`/api/orders/${shipped.orderNo}/cancel`).send({ reason: 'too late' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: 'handed_over', returns: `/api/orders/${shipped.orderNo}/returns` });
    expect((await h.api().post(`/api/orders/${shipped.orderNo}/cancel`).send({})).status).toBe(400);
  });

  test('while waiting for payment: cancelled, the pending charge is voided (nothing to refund, nothing left to pay)', async () => {
    const order = sampleOrder({ payment: { method: 'card', token: 'tok_pending' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    await orderStatusIs(h, order.orderNo, 'awaiting_payment');
    // The charge is pending at the provider (a cancel before the charge call ran has nothing to void).
    await waitFor('the pending charge', () => h.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'charge', status: 'pending' }).first());
    expect((await h.api().post(`/api/orders/${order.orderNo}/cancel`).send({ reason: 'duplicate order' })).status).toBe(200);
    expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
    expect(await refunds(order.orderNo)).toHaveLength(0);
    // The customer can no longer pay the charge: the provider closed it.
    expect((await h.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'charge' })).map((c) => c.status)).toEqual(['voided']);
    await maybeRecordHistory(h, order.orderNo, 'v4-cancelled-awaiting-payment-voided');
    expect((await h.db('order_lines').where({ order_no: order.orderNo })).map((l) => l.reserved_quantity)).toEqual([0]);
  });
});
