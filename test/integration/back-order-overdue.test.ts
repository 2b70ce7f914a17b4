/**
 * Issue 15 item 1 on the real dev server, compressed time (BOXFLOW_TIME_SCALE 0.001, the set time
 * BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS 0.1 = 2.4 h of business time, about 9 s): a `restockable`
 * order waits past the set time and one back_order_overdue task opens. Cancelling the waiting lines
 * refunds them and ships the rest, or cancels an order left with nothing; a restock that arrives
 * while the task is open withdraws it and the order ships. The ledger holds.
 */
import request from 'supertest';
import { setOnHand } from '../../db/inventory';
import { buildPolicy, FulfillmentPolicy } from '../../domain/policy';
import { createApp } from '../../web/app';
import { API_KEY, createHarness, Harness, maybeRecordHistory, openTaskOf, orderResult, sampleOrder, signIn, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.001', BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS: '0.1' } });
  expect((await h.api().put(`/api/catalog/${SKU}/stockout-policy`).send({ policy: 'restockable' })).status).toBe(200);
  await setOnHand(h.db, SKU, 0, 'sold out: every order of it waits for restock');
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const SKU = 'ACC-GLASS-CASE';
const overdueTasks = (orderNo: string) => h.db('tasks').where({ order_no: orderNo, kind: 'back_order_overdue' }).orderBy('id');
const refunded = async (orderNo: string) => (await h.db('payments').where({ order_no: orderNo, kind: 'refund', status: 'succeeded' })).reduce((s, p) => s + Number(p.amount), 0);
const lineStatuses = async (orderNo: string) => (await h.db('order_lines').where({ order_no: orderNo }).orderBy('id')).map((l) => [l.sku, l.status]);

test('overdue, cancel the waiting lines: the waiting line is refunded and the rest ships', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }, { sku: SKU, quantity: 1, unitPrice: 299 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'back_order_overdue', 90_000);
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('back_ordered');
  expect(await h.db('tasks').where({ order_no: order.orderNo, kind: 'stockout' })).toEqual([]);
  const decided = await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_waiting_lines', decidedBy: 'supervisor.chen', note: 'the supplier dropped the case from its range' });
  expect(decided.status).toBe(200);

  expect(['shipped', 'delivered']).toContain((await orderResult(h, order.orderNo, 180_000)).status);
  expect(await lineStatuses(order.orderNo)).toEqual([
    ['BB-MOLLY-SPACE', 'shipped'],
    [SKU, 'cancelled'],
  ]);
  expect(await refunded(order.orderNo)).toBe(299);
  expect((await overdueTasks(order.orderNo)).map((t) => [t.status, t.decision])).toEqual([['decided', 'cancel_waiting_lines']]);
  expect(await h.db('notifications').where({ order_no: order.orderNo, kind: 'refunded' })).toHaveLength(1);
  await maybeRecordHistory(h, order.orderNo, 'v8-back-order-overdue-lines-cancelled-rest-shipped');
});

test('overdue, cancel the waiting lines of an order with nothing else: the order is cancelled and refunded in full', async () => {
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 2, unitPrice: 299 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'back_order_overdue', 90_000);
  expect((await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_waiting_lines', decidedBy: 'supervisor.chen', note: 'customer agreed' })).status).toBe(200);
  expect((await orderResult(h, order.orderNo, 180_000)).status).toBe('cancelled');
  expect(await lineStatuses(order.orderNo)).toEqual([[SKU, 'cancelled']]);
  expect(await refunded(order.orderNo)).toBe(598);
});

test('overdue, cancel the order: the in-stock line is released, everything refunded; the task closed as decided', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }, { sku: SKU, quantity: 1, unitPrice: 299 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'back_order_overdue', 90_000);
  expect((await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_order', decidedBy: 'supervisor.chen', note: 'the customer asked to cancel' })).status).toBe(200);
  expect((await orderResult(h, order.orderNo, 180_000)).status).toBe('cancelled');
  expect(await refunded(order.orderNo)).toBe(368);
  expect((await overdueTasks(order.orderNo)).map((t) => [t.status, t.decision])).toEqual([['decided', 'cancel_order']]);
  expect((await h.db('order_lines').where({ order_no: order.orderNo })).every((l) => Number(l.reserved_quantity) === 0)).toBe(true);
});

test('the restock arrives while the task is open: the task is withdrawn and the order ships', async () => {
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 299 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'back_order_overdue', 90_000);

  // The supervisor's summary counts this order, not the earlier ones whose waiting lines were cancelled.
  expect((await h.api().get('/api/catalog/restock-waits')).body).toEqual([{ sku: SKU, orders: 1, units: 1 }]);
  const supervisor = await signIn(h, 'supervisor');
  expect((await supervisor.agent.get('/catalog').set('Accept-Language', 'en')).text).toContain(`${SKU}: 1 order(s) waiting for restock (1 unit(s))`);
  const page = await supervisor.agent.get(`/console/tasks/${task.id}`).set('Accept-Language', 'en');
  expect(page.status).toBe(200);
  expect(page.text).toContain('Restock overdue');
  expect(page.text).toContain('Cancel the waiting lines and refund');
  expect(page.text).toMatch(/Waiting for restock since [0-9-]+ [0-9:]+ \([0-9.]+ days\); line\(s\) waiting: [0-9]+/);

  const restock = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 1 });
  expect(restock.status).toBe(200);
  expect(restock.body.filled).toEqual([order.orderNo]); // the cancelled lines of the earlier orders took nothing
  expect(['shipped', 'delivered']).toContain((await orderResult(h, order.orderNo, 180_000)).status);
  const [closed] = await overdueTasks(order.orderNo);
  expect(closed).toMatchObject({ id: task.id, status: 'cancelled', decided_by: 'system' });
  expect(await overdueTasks(order.orderNo)).toHaveLength(1);
  expect(await refunded(order.orderNo)).toBe(0);
  // A decision after the fact is refused.
  expect((await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_order', decidedBy: 'supervisor.chen' })).status).not.toBe(200);
  await waitFor('the restock wait summary to empty', async () => (await h.api().get('/api/catalog/restock-waits')).body.length === 0);
  await maybeRecordHistory(h, order.orderNo, 'v8-back-order-overdue-withdrawn-on-restock');
});

test('an order accepted under a policy without the set time (before it existed) waits past it and never asks', async () => {
  const { backOrderTaskAfterMs, ...before } = buildPolicy({ timeScale: h.settings.timeScale, backOrderTaskAfterDays: h.settings.backOrderTaskAfterDays });
  const legacyPolicy: FulfillmentPolicy = before;
  const legacyApp = createApp({ db: h.db, temporal: { client: h.client, taskQueue: h.taskQueue, policy: legacyPolicy }, apiKey: API_KEY });
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 299 }] });
  expect((await request(legacyApp).post('/api/orders').set('Authorization', `Bearer ${API_KEY}`).send(order)).status).toBe(201);

  // Hourly looks (3.6 s here) until twice the set time has passed in the order's own history.
  const looksNeeded = Math.ceil((2 * backOrderTaskAfterMs!) / (3_600_000 * h.settings.timeScale));
  await waitFor(`${looksNeeded} looks at the back-orders`, async () => {
    const events = (await workflowHandle(h, order.orderNo).fetchHistory()).events ?? [];
    return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'filledBackOrderLines').length >= looksNeeded;
  }, 120_000);
  expect(await overdueTasks(order.orderNo)).toEqual([]);
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('back_ordered');

  const restock = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 1 });
  expect(restock.body.filled).toEqual([order.orderNo]);
  expect(['shipped', 'delivered']).toContain((await orderResult(h, order.orderNo, 180_000)).status);
  expect(await overdueTasks(order.orderNo)).toEqual([]);
});
