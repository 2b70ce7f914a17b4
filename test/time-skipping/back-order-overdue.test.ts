/**
 * Issue 15 item 1 at time scale 1 on the time-skipping test server: a `restockable` figure is sold
 * out, the order back-orders without a task, and only when the wait passes the set time (14 days,
 * the default) does ONE back_order_overdue task open. Nobody answers it: at its deadline (48 h) the
 * default, keep waiting, applies and the clock starts again; 14 days later the task opens again, a
 * supervisor keeps waiting, the restock comes and the order ships with no third task.
 *
 * History: the runs continue as new after 500 events here (BOXFLOW_CONTINUE_AS_NEW_AFTER), and no
 * run may continue as new while a task is open; the hourly looks go on meanwhile. The task's
 * deadline is what bounds a run: every run stays under the budget plus 48 h of hourly looks.
 */
import { setOnHand } from '../../db/inventory';
import { sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { createTimeSkippingWorld, expectEveryRunUnder, orderStatus, sleepWatchingHistory, TimeSkippingWorld, untilIdleOnTimer, untilStatus, untilStatusNudging } from '../support/time-skipping';

const BUDGET = 500;
/** 48 hourly looks while a task is open, at most 13 events each (timer, look activity, two workflow tasks), and the task's own. */
const OPEN_TASK_ALLOWANCE = 48 * 13 + 60;

let world: TimeSkippingWorld;
beforeAll(async () => {
  world = await createTimeSkippingWorld({ env: { BOXFLOW_CONTINUE_AS_NEW_AFTER: String(BUDGET) } });
}, 120_000);
afterAll(async () => {
  try {
    await expectLedgerHolds(world);
  } finally {
    await world?.close();
  }
});

const overdueTasks = (orderNo: string) => world.db('tasks').where({ order_no: orderNo, kind: 'back_order_overdue' }).orderBy('id');

test('restockable wait past 14 days: one task; unanswered it keeps waiting, asks again 14 days later; kept waiting, the restock ships the order', async () => {
  const SKU = 'ACC-GLASS-CASE';
  expect((await world.api().put(`/api/catalog/${SKU}/stockout-policy`).send({ policy: 'restockable' })).status).toBe(200);
  await setOnHand(world.db, SKU, 0, 'sold out before the order');
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 299 }] });
  const workflowId = `order-${order.orderNo}`;
  expect((await world.api().post('/api/orders').send(order)).status).toBe(201);
  await untilStatus(world, order.orderNo, ['back_ordered']);
  await untilIdleOnTimer(world, workflowId);
  expect(await world.db('tasks').where({ order_no: order.orderNo, kind: 'stockout' })).toEqual([]);

  // 13 days 18 hours: no task yet.
  await sleepWatchingHistory(world, [workflowId], 55, '6 hours');
  expect(await overdueTasks(order.orderNo)).toEqual([]);

  // Past 14 days: one task, open, defaulting to keep waiting.
  await sleepWatchingHistory(world, [workflowId], 2, '6 hours');
  const first = await waitFor('the back_order_overdue task', async () => (await world.api().get(`/api/tasks?status=open&kind=back_order_overdue&orderNo=${order.orderNo}`)).body[0]);
  expect(first.options).toEqual(['keep_waiting', 'cancel_waiting_lines', 'cancel_order']);
  expect(first.defaultOption).toBe('keep_waiting');
  expect(await overdueTasks(order.orderNo)).toHaveLength(1);
  expect(await orderStatus(world, order.orderNo)).toBe('back_ordered');

  // Nobody answers: at its 48 h deadline the default applies (the task cannot stay open) and the clock restarts.
  await sleepWatchingHistory(world, [workflowId], 9, '6 hours'); // day 16.5
  const afterDeadline = await overdueTasks(order.orderNo);
  expect(afterDeadline.map((t) => [t.status, t.decision])).toEqual([['expired', 'keep_waiting']]);

  // 14 days after the default: asked again (day 30.25).
  await sleepWatchingHistory(world, [workflowId], 51, '6 hours'); // day 29.25: not yet
  expect(await overdueTasks(order.orderNo)).toHaveLength(1);
  await sleepWatchingHistory(world, [workflowId], 4, '6 hours'); // day 30.25
  const second = await waitFor('the second back_order_overdue task', async () => (await world.api().get(`/api/tasks?status=open&kind=back_order_overdue&orderNo=${order.orderNo}`)).body[0]);
  expect(second.id).not.toBe(first.id);

  // A supervisor keeps waiting (at half past: the hourly look is not due then).
  await world.sleep('30 minutes');
  await untilIdleOnTimer(world, workflowId);
  const decided = await world.api().post(`/api/tasks/${second.id}/decision`).send({ decision: 'keep_waiting', decidedBy: 'supervisor.chen', note: 'supplier confirmed the container for next week' });
  expect(decided.status).toBe(200);
  await untilIdleOnTimer(world, workflowId);

  // Three days on the restock comes, at half past again; no third task was opened.
  await sleepWatchingHistory(world, [workflowId], 12, '6 hours');
  await untilIdleOnTimer(world, workflowId);
  const restock = await world.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 1 });
  expect(restock.status).toBe(200);
  expect(restock.body.filled).toEqual([order.orderNo]);
  await untilStatusNudging(world, order.orderNo, ['shipped', 'delivered']);
  expect((await overdueTasks(order.orderNo)).map((t) => [t.status, t.decision])).toEqual([
    ['expired', 'keep_waiting'],
    ['decided', 'keep_waiting'],
  ]);
  expect(await world.db('shipments').where({ order_no: order.orderNo }).whereNotNull('shipped_at').count({ n: '*' })).toEqual([{ n: 1 }]);

  const runs = await expectEveryRunUnder(world.client, workflowId, BUDGET + OPEN_TASK_ALLOWANCE);
  console.log(`back-order overdue, 33 days: ${runs.length} run(s) of ${workflowId}: ${runs.map((r) => `${r.events} (${r.ended})`).join(', ')}`);
  expect(runs.length).toBeGreaterThan(3);
}, 900_000);
