/**
 * What weeks do to an order, compressed (BOXFLOW_TIME_SCALE 0.0001) and with a small history budget
 * (BOXFLOW_CONTINUE_AS_NEW_AFTER=150), so that the mechanisms show within seconds: a back-ordered
 * order continues as new while it waits, carrying its state and the signals that arrived, and ships
 * when restock comes; no run's history outgrows the budget; the ship-by warning is cleared when it
 * no longer applies; a parcel whose tracking dies does not hang the order; and a step re-run after
 * `temporal workflow reset` writes nothing twice. (The same waits at real durations run on the
 * time-skipping test server in test/time-skipping/.)
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { setOnHand } from '../../db/inventory';
import { createHarness, Harness, maybeRecordWorkflowHistory, orderStatusIs, sampleOrder, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

const BUDGET = 150;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.0001', BOXFLOW_CONTINUE_AS_NEW_AFTER: String(BUDGET) } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

/** Every run of a workflow, oldest first, following the continue-as-new chain backwards from the latest. */
async function runsOf(client: Client, workflowId: string): Promise<Array<{ runId: string; events: number; status: string }>> {
  const runs: Array<{ runId: string; events: number; status: string }> = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const handle: WorkflowHandle = client.workflow.getHandle(workflowId, runId);
    const events = (await handle.fetchHistory()).events ?? [];
    runs.unshift({ runId, events: events.length, status: (await handle.describe()).status.name });
    const previous: string | null | undefined = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    runId = previous || undefined;
  }
  return runs;
}

test('a back-ordered order continues as new while it waits, keeps what it knew, and ships when restock comes', async () => {
  await setOnHand(h.db, 'FIG-SKULLPANDA-400', 1, 'one left before the order');
  const order = sampleOrder({ lines: [{ sku: 'FIG-SKULLPANDA-400', quantity: 3, unitPrice: 899 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const first = (await workflowHandle(h, order.orderNo).describe()).runId;
  // Nobody decides the stockout: its default (wait for restock) applies at the deadline.
  await orderStatusIs(h, order.orderNo, 'back_ordered', 60_000);
  // The hourly (scaled) look at the database fills the history; at the budget the run hands over.
  await waitFor('a second run', async () => {
    const runs = await runsOf(h.client, `order-${order.orderNo}`);
    return runs.length >= 3 ? runs : undefined;
  }, 90_000);
  const d = await workflowHandle(h, order.orderNo).describe();
  expect(d.runId).not.toBe(first);
  expect(d.searchAttributes.BoxflowOrderStatus).toEqual(['back_ordered']);
  // The ship-by time passed while it waited: the breach was recorded once, in the first run.
  await waitFor('the SLA breach', async () => (await h.db('orders').where({ order_no: order.orderNo }).first()).sla_breached_at);

  expect((await h.api().post('/api/inventory/FIG-SKULLPANDA-400/restock').send({ quantity: 2 })).status).toBe(200);
  await orderStatusIs(h, order.orderNo, 'delivered', 90_000);
  await workflowHandle(h, order.orderNo).result();
  const runs = await runsOf(h.client, `order-${order.orderNo}`);
  expect(runs.length).toBeGreaterThanOrEqual(3);
  // The first run (up to its continue-as-new) and the last (resumed from what was carried) replay in CI.
  await maybeRecordWorkflowHistory(h, `order-${order.orderNo}`, 'v4-back-order-run-1-continues-as-new', runs[0].runId);
  await maybeRecordWorkflowHistory(h, `order-${order.orderNo}`, 'v4-back-order-last-run-resumed-ships', runs[runs.length - 1].runId);
  expect(runs.slice(0, -1).every((r) => r.status === 'CONTINUED_AS_NEW')).toBe(true);
  expect(runs[runs.length - 1].status).toBe('COMPLETED');
  // The path taken at the order's start (merged steps) is carried: the last run hands over in one step.
  const lastRun = (await h.client.workflow.getHandle(`order-${order.orderNo}`, runs[runs.length - 1].runId).fetchHistory()).events ?? [];
  const lastTypes = lastRun.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(lastTypes).toEqual(expect.arrayContaining(['preparePick', 'packAndLabel', 'handOver']));
  expect(lastTypes).not.toContain('commitShippedLines');
  // A run may go past its budget only by what one look and the steps after it add.
  for (const r of runs) expect(r.events).toBeLessThan(BUDGET + 120);
  // Statuses were written once each (keys carried across runs), in order.
  const trail = (await h.db('order_events').where({ order_no: order.orderNo, type: 'status' }).orderBy('id')).map((e) => JSON.parse(e.data_json).status);
  expect(trail.filter((s) => s === 'back_ordered')).toHaveLength(1);
  expect(trail.slice(-3)).toEqual(['booked', 'shipped', 'delivered']);
  const last = await workflowHandle(h, order.orderNo).describe();
  expect(last.searchAttributes.BoxflowOrderStatus).toEqual(['delivered']);
  // The at-risk flag is set back once the order no longer waits for shipping.
  expect(last.searchAttributes.BoxflowAtRisk).toEqual([false]);
  expect(last.searchAttributes.BoxflowCarriers).toEqual([expect.any(String)]);
  await setOnHand(h.db, 'FIG-SKULLPANDA-400', 40, 'counted back for the next test');
});

test('a parcel whose tracking workflow is terminated does not hang its order', async () => {
  const order = sampleOrder({ sandbox: { tracking: 'lost' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'shipped', 60_000);
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  // (The tracker starts after the hand-over has committed `shipped`.)
  const tracker = h.client.workflow.getHandle(`track-${shipment.id}`);
  await waitFor('the parcel\'s tracker to start', () => tracker.describe().catch(() => undefined));
  await tracker.terminate('tracking broken by an operator');
  // The order's safety net reads how the parcel's tracking ended and finishes.
  const result = (await workflowHandle(h, order.orderNo).result()) as { status: string };
  expect(result.status).toBe('shipped');
  expect(await h.db('order_events').where({ order_no: order.orderNo, type: 'tracking_failed' })).toHaveLength(1);
});

test('an order reset to before its hand-over re-runs the hand-over without writing anything twice', async () => {
  const order = sampleOrder({ sandbox: { tracking: 'lost' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'shipped', 60_000);
  // (The customer is told after the hand-over has committed `shipped`.)
  await waitFor('the shipped message', () => h.db('notifications').where({ order_no: order.orderNo, kind: 'shipped' }).first());
  const count = async (table: string) => (await h.db(table).where({ order_no: order.orderNo })).length;
  const snapshot = async () => ({ events: await count('order_events'), payments: await count('payments'), bookings: await count('sandbox_carrier_bookings'), notifications: await count('notifications'), stock: await h.db('inventory').where({ sku: 'BB-MOLLY-SPACE' }).first('on_hand', 'reserved') });
  const before = await snapshot();

  // `temporal workflow reset` to the workflow task that began the hand-over (P2.2): the hand-over's
  // one transaction (stock committed, parcels shipped, statuses booked and shipped), the customer
  // told, tracking started: all run again.
  const handle = workflowHandle(h, order.orderNo);
  const { runId } = await handle.describe();
  const events = (await handle.fetchHistory()).events ?? [];
  const handOver = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'handOver')!;
  const { runId: newRunId } = await h.client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: `order-${order.orderNo}`, runId },
    reason: 'test: re-run the hand-over',
    workflowTaskFinishEventId: handOver.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId,
    requestId: `reset-${order.orderNo}`,
  });
  expect(newRunId).not.toBe(runId);
  const rerun = h.client.workflow.getHandle(`order-${order.orderNo}`, newRunId!);
  await waitFor('the reset run to hand over again and tell the customer', async () => {
    const history = (await rerun.fetchHistory()).events ?? [];
    const resetAt = history.findIndex((e) => e.workflowTaskFailedEventAttributes);
    const rescheduled = history.slice(resetAt).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyCustomer').map((e) => String(e.eventId));
    return history.some((e) => e.activityTaskCompletedEventAttributes && rescheduled.includes(String(e.activityTaskCompletedEventAttributes.scheduledEventId))) || undefined;
  }, 60_000);
  expect(await snapshot()).toEqual(before);
  await rerun.terminate('test done');
});
