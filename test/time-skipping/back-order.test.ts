/**
 * Issue 11 item 1, at time scale 1 on the time-skipping test server: a blind-box figure is sold out,
 * the supervisor decides to wait for restock, the restock comes 60 days later, and the order ships.
 * Every run of the order's workflow stays under 10,000 events (continue as new carrying what it
 * waits for). Fails on a workflow that polls every minute and never continues as new: the clock is
 * moved in 6-hour steps and the test stops at the step where the current run passes the limit.
 */
import { setOnHand } from '../../db/inventory';
import { sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { createTimeSkippingWorld, expectEveryRunUnder, orderStatus, sleepWatchingHistory, TimeSkippingWorld, untilIdleOnTimer, untilStatus, untilStatusNudging } from '../support/time-skipping';

let world: TimeSkippingWorld;
beforeAll(async () => {
  world = await createTimeSkippingWorld();
}, 120_000);
afterAll(async () => {
  try {
    await expectLedgerHolds(world);
  } finally {
    await world?.close();
  }
});

test('back-ordered 60 days, then restocked: the order ships, every run under 10,000 events', async () => {
  const SKU = 'FIG-SKULLPANDA-400';
  await setOnHand(world.db, SKU, 0, 'sold out before the order');
  const order = sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 899 }] });
  const workflowId = `order-${order.orderNo}`;
  expect((await world.api().post('/api/orders').send(order)).status).toBe(201);

  const task = await waitFor('the stockout task', async () => (await world.api().get(`/api/tasks?status=open&kind=stockout&orderNo=${order.orderNo}`)).body[0]);
  const decided = await world.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'wait_for_restock', decidedBy: 'supervisor.chen', note: 'the next container is due in two months' });
  expect(decided.status).toBe(200);
  await untilStatus(world, order.orderNo, ['back_ordered']);
  await untilIdleOnTimer(world, workflowId);

  await sleepWatchingHistory(world, [workflowId], 240, '6 hours'); // 60 days
  expect(await orderStatus(world, order.orderNo)).toBe('back_ordered');

  // The restock comes at half past: on the hour the order's hourly look falls due, and the test
  // server may fire that timer in the middle of the task that the restock's signal starts.
  await world.sleep('30 minutes');
  await untilIdleOnTimer(world, workflowId);
  const restock = await world.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 3 });
  expect(restock.status).toBe(200);
  expect(restock.body.filled).toEqual([order.orderNo]);
  // Moving the clock to get past a refused task can also carry the parcel past its delivery scan.
  await untilStatusNudging(world, order.orderNo, ['shipped', 'delivered']);
  expect(await world.db('shipments').where({ order_no: order.orderNo }).whereNotNull('shipped_at').count({ n: '*' })).toEqual([{ n: 1 }]);

  const runs = await expectEveryRunUnder(world.client, workflowId);
  console.log(`back-order 60 days: ${runs.length} run(s) of ${workflowId}: ${runs.map((r) => `${r.events} events (${r.ended})`).join(', ')}`);
}, 600_000);
