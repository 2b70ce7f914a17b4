/**
 * P3 on the real workflows: every tracking path (normal, delay, address exception, lost, returned to
 * sender), carrier webhooks deduplicated by event id, returns with restock and refund, and customer
 * notifications each sent exactly once. BOXFLOW_TIME_SCALE 0.0001: a 22 h journey takes about 8 s,
 * SF's 24 h delay threshold 8.6 s, a 12 h task deadline 4.3 s.
 */
import { createFlakySender, NotificationSender, OutgoingMessage } from '../../adapters/notifications/sender';
import { getStock } from '../../db/inventory';
import { createHarness, Harness, maybeRecordHistory, maybeRecordWorkflowHistory, openTaskOf, orderResult, orderStatusIs, sampleOrder, signIn, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { signedPost, TEST_WEBHOOK_SECRETS } from '../support/webhooks';

const sent: OutgoingMessage[] = [];
const memory: NotificationSender = { name: 'memory', async send(m) { sent.push(m); } };

let h: Harness;
beforeAll(async () => {
  // The first two sends fail: retries must still deliver each message exactly once.
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.0001' }, sender: createFlakySender(memory, 2) });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const decide = (id: number, decision: string, extra: Record<string, unknown> = {}) =>
  h.api().post(`/api/tasks/${id}/decision`).send({ decision, note: 'test', decidedBy: 'supervisor.chen', ...extra });
const kinds = async (orderNo: string) => (await h.db('notifications').where({ order_no: orderNo }).orderBy('id')).map((n) => `${n.kind}:${n.status}`);
const sentTo = (orderNo: string) => sent.filter((m) => m.messageId.includes(orderNo) || m.subject.includes(orderNo));
// Fragile goods go with SF (24 h threshold): the glass case steers the carrier rule.
const sfOrder = (tracking: string) => sampleOrder({ lines: [{ sku: 'ACC-GLASS-CASE', quantity: 1, unitPrice: 299 }], sandbox: { tracking: tracking as never } });

test.concurrent('normal: delivered; the order becomes delivered; shipped and delivered are each told once', async () => {
  const order = sfOrder('normal');
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  expect(shipment).toMatchObject({ status: 'delivered', tracking_status: 'delivered', carrier: 'SF' });
  const events = await h.db('tracking_events').where({ shipment_id: shipment.id }).orderBy('occurred_at');
  expect(events.map((e) => e.status)).toEqual(['info_received', 'in_transit', 'out_for_delivery', 'delivered']);
  expect(events.map((e) => e.raw_status)).toEqual(['揽收', '在途', '派件', '签收']);
  expect(JSON.parse(events[3].raw_json)).toMatchObject({ rawStatus: '签收' });
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'delivered:sent']);
  expect(sentTo(order.orderNo).map((m) => m.subject)).toEqual([`您的订单 ${order.orderNo} 已发货`, `订单 ${order.orderNo} 已签收`]);
  const view = await h.api().get(`/api/orders/${order.orderNo}`);
  expect(view.body.status).toBe('delivered');
  expect(view.body.shipments[0].tracking.map((e: { status: string }) => e.status)).toEqual(['info_received', 'in_transit', 'out_for_delivery', 'delivered']);
  // The order page tells the parcel's story, in the shop's vocabulary and the carrier's words.
  const staff = await signIn(h, 'staff');
  const page = await staff.agent.get(`/orders/${order.orderNo}`).set('Accept-Language', 'en');
  expect(page.status).toBe(200);
  expect(page.text).toContain('Out for delivery');
  expect(page.text).toContain('签收');
  expect(page.text).toContain(`订单 ${order.orderNo} 已签收`); // the customer's message, in the customer's language
  await maybeRecordHistory(h, order.orderNo, 'v3-delivered-with-tracking');
  await maybeRecordWorkflowHistory(h, `track-${shipment.id}`, 'v3-tracking-delivered');
});

test.concurrent('webhooks are deduplicated by event id and wake the tracking workflow', async () => {
  const order = sfOrder('lost');
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderResult(h, order.orderNo);
  const [shipment] = await waitFor('the waybill', async () => (await h.db('shipments').where({ order_no: order.orderNo }).whereNotNull('tracking_no')).length ? h.db('shipments').where({ order_no: order.orderNo }) : undefined);
  const event = { eventId: `${shipment.tracking_no}-push-1`, trackingNo: shipment.tracking_no, status: '签收', occurredAt: new Date().toISOString(), description: '已签收(快递柜)' };
  // Signed with SF's own secret; the API key alone opens nothing here.
  expect((await h.api().post('/api/webhooks/tracking/sf').send(event)).status).toBe(401);
  expect((await signedPost(h.app, '/api/webhooks/tracking/sf', event, { secret: TEST_WEBHOOK_SECRETS.yto[0] })).status).toBe(401);
  const first = await signedPost(h.app, '/api/webhooks/tracking/sf', event, { id: `msg-${event.eventId}` });
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ duplicate: false, status: 'delivered' });
  // The same message again is a replay; the same carrier event in a new message is a duplicate, stored once.
  const replay = await signedPost(h.app, '/api/webhooks/tracking/sf', event, { id: `msg-${event.eventId}` });
  expect([replay.status, replay.body.error]).toEqual([409, 'replayed']);
  const again = await signedPost(h.app, '/api/webhooks/tracking/sf', event);
  expect(again.body.duplicate).toBe(true);
  expect(await h.db('tracking_events').where({ event_id: event.eventId })).toHaveLength(1);
  await orderStatusIs(h, order.orderNo, 'delivered', 30_000);
  expect((await signedPost(h.app, '/api/webhooks/tracking/sf', { ...event, eventId: 'x-1', trackingNo: 'NOPE' })).status).toBe(404);
  expect((await signedPost(h.app, '/api/webhooks/tracking/ups', event)).status).toBe(400);
  expect((await signedPost(h.app, '/api/webhooks/tracking/sf', { ...event, extra: 1 })).status).toBe(400);
});

test.concurrent('delay: no scan past the threshold tells the customer and opens a task; reship books a new parcel', async () => {
  const order = sfOrder('delay');
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'delivery_delayed', 60_000);
  expect(task.options).toEqual(['chase_carrier', 'notify_customer', 'reship', 'refund']);
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'delayed:sent']);
  expect((await decide(task.id, 'reship')).status).toBe(200);
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const shipments = await h.db('shipments').where({ order_no: order.orderNo }).orderBy('parcel_index');
  expect(shipments.map((s) => [s.status, Boolean(s.delayed)])).toEqual([['replaced', true], ['delivered', false]]);
  expect(shipments[1].replaces_shipment_id).toBe(shipments[0].id);
  const ledger = await h.db('sandbox_carrier_bookings').where({ order_no: order.orderNo }).orderBy('id');
  expect(ledger.map((b) => b.status)).toEqual(['cancelled', 'booked']);
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'delayed:sent', 'reshipped:sent', 'delivered:sent']);
  await maybeRecordWorkflowHistory(h, `track-${shipments[0].id}`, 'v3-tracking-delay-reship');
});

test.concurrent('wrong address: a delivery_exception task; correct and resubmit books a new shipment to the corrected address', async () => {
  const order = sfOrder('exception_address');
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'delivery_exception', 60_000);
  expect(task.context).toMatchObject({ addressProblem: true });
  const corrected = { ...order.shippingAddress, line1: '浦东新区世纪大道 100 号 8 楼 801 室' };
  expect((await decide(task.id, 'correct_and_resubmit', { correction: { shippingAddress: { ...corrected, country: 'Mars' } } })).status).toBe(400);
  expect((await decide(task.id, 'correct_and_resubmit', { correction: { shippingAddress: corrected } })).status).toBe(200);
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const shipments = await h.db('shipments').where({ order_no: order.orderNo }).orderBy('parcel_index');
  expect(shipments.map((s) => s.status)).toEqual(['replaced', 'delivered']);
  expect(JSON.parse((await h.db('orders').where({ order_no: order.orderNo }).first()).shipping_address_json).line1).toBe(corrected.line1);
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'delivery_problem:sent', 'reshipped:sent', 'delivered:sent']);
});

test.concurrent('lost: the delay task decided as refund refunds the parcel once', async () => {
  const order = sfOrder('lost');
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'delivery_delayed', 60_000);
  expect((await decide(task.id, 'refund')).status).toBe(200);
  await waitFor('the refund', async () => (await h.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'refund' })).length > 0, 30_000);
  await waitFor('the parcel to close', async () => (await h.db('shipments').where({ order_no: order.orderNo }).first()).status === 'refunded', 30_000);
  const refunds = await h.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'refund' });
  expect(refunds.map((r) => Number(r.amount))).toEqual([299]);
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'delayed:sent', 'refunded:sent']);
});

test.concurrent('returned to sender: the return path restocks and refunds, and the order is returned', async () => {
  const order = sampleOrder({ lines: [{ sku: 'PL-LABUBU-30', quantity: 2, unitPrice: 399 }], sandbox: { tracking: 'return_to_sender' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderResult(h, order.orderNo);
  const afterShip = await getStock(h.db, 'PL-LABUBU-30');
  const rma = await waitFor('the return', async () => h.db('returns').where({ order_no: order.orderNo }).first(), 60_000);
  expect(rma).toMatchObject({ source: 'returned_to_sender', status: 'requested' });
  const received = await h.api().post(`/api/returns/${rma.rma_no}/receive`).send({ lines: [{ sku: 'PL-LABUBU-30', quantity: 2, condition: 'resellable' }] });
  expect(received.status).toBe(202);
  await orderStatusIs(h, order.orderNo, 'returned', 30_000);
  const stock = await getStock(h.db, 'PL-LABUBU-30');
  expect(stock!.onHand - afterShip!.onHand).toBe(2);
  const refunds = await h.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'refund' });
  expect(refunds.map((r) => Number(r.amount))).toEqual([798]);
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'return_received:sent', 'refunded:sent']);
  expect((await h.api().post(`/api/returns/${rma.rma_no}/receive`).send({ lines: [{ sku: 'PL-LABUBU-30', quantity: 2, condition: 'resellable' }] })).status).toBe(409);
});

test.concurrent('a customer return: RMA and label, damaged goods written off, refund, each step told once', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 2, unitPrice: 69 }], customer: { name: 'Li Na', phone: '13900139000', email: 'lina@example.cn' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const before = await getStock(h.db, 'BB-DIMOO-FOREST');

  expect((await h.api().post(`/api/orders/${order.orderNo}/returns`).send({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 3 }], reason: 'too many' })).status).toBe(400);
  expect((await h.api().post(`/api/orders/${order.orderNo}/returns`).send({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }], reason: 'x' })).status).toBe(400);
  const body = { lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1 }], reason: '盒子破损 box crushed' };
  const opened = await h.api().post(`/api/orders/${order.orderNo}/returns`).send(body);
  expect(opened.status).toBe(201);
  expect(opened.body.rmaNo).toBe(`RMA-${order.orderNo}-1`);
  expect((await h.api().post(`/api/orders/${order.orderNo}/returns`).send(body)).body.rmaNo).toBe(opened.body.rmaNo);

  const label = await waitFor('the return label', async () => {
    const r = await h.api().get(`/api/returns/${opened.body.rmaNo}`);
    return r.body.returnWaybill ? r.body : undefined;
  });
  expect(label).toMatchObject({ status: 'label_issued', carrier: 'SF' });
  expect((await h.api().post(`/api/returns/${opened.body.rmaNo}/receive`).send({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1, condition: 'damaged' }] })).status).toBe(202);
  await waitFor('the refund', async () => (await h.api().get(`/api/returns/${opened.body.rmaNo}`)).body.status === 'refunded', 30_000);
  await waitFor('the return workflow to close', async () => (await h.client.workflow.getHandle(`return-${opened.body.rmaNo}`).describe()).status.name === 'COMPLETED' || undefined, 30_000);
  await maybeRecordWorkflowHistory(h, `return-${opened.body.rmaNo}`, 'v4-return-damaged-refunded');
  expect(await getStock(h.db, 'BB-DIMOO-FOREST')).toEqual(before); // damaged: written off, not restocked
  const lines = await h.db('return_lines').where({ rma_no: opened.body.rmaNo });
  expect(lines.map((l) => [l.condition, l.outcome])).toEqual([['damaged', 'written_off']]);
  expect((await h.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'refund' })).map((r) => Number(r.amount))).toEqual([69]);
  expect(await kinds(order.orderNo)).toEqual(['shipped:sent', 'delivered:sent', 'return_label:sent', 'return_received:sent', 'refunded:sent']);
  // Only part came back: the order stays delivered.
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('delivered');
  expect(sentTo(order.orderNo).every((m) => m.to === 'lina@example.cn' && m.channel === 'email')).toBe(true);
});

test('no message was sent twice, although the sender failed twice', async () => {
  const ids = sent.map((m) => m.messageId);
  expect(new Set(ids).size).toBe(ids.length);
  const retried = await h.db('notifications').where('attempts', '>', 1);
  expect(retried.length).toBeGreaterThanOrEqual(1);
});
