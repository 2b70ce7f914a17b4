/**
 * Activity options fit what each activity talks to, on the real workflow: a slow carrier keeps its
 * booking attempt alive by the activity's own heartbeats (one attempt, no timeout), and a carrier
 * that is down is retried a bounded number of times, then counts as a refusal (P2.4): the next
 * carrier is asked, and when none answers a person decides, instead of retrying forever.
 */
import { createHarness, Harness, openTaskOf, orderResult, sampleOrder } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.01' } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

/** The attempts of each booking activity in the order's history. */
async function bookingAttempts(orderNo: string): Promise<{ started: number[]; timedOut: number }> {
  const events = (await h.client.workflow.getHandle(`order-${orderNo}`).fetchHistory()).events ?? [];
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'bookShipment').map((e) => String(e.eventId)));
  const started = events.filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
  const timedOut = events.filter((e) => e.activityTaskTimedOutEventAttributes && scheduled.has(String(e.activityTaskTimedOutEventAttributes.scheduledEventId))).length;
  return { started, timedOut };
}

test('a carrier that takes 20 s to answer: one attempt, kept alive by heartbeats past the 15 s heartbeat timeout', async () => {
  const order = sampleOrder({ sandbox: { carrierLatencyMs: 20_000 } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo, 120_000)).status).toBe('shipped');
  expect(await bookingAttempts(order.orderNo)).toEqual({ started: [1], timedOut: 0 });
  expect(await h.db('sandbox_carrier_bookings').where({ order_no: order.orderNo, status: 'booked' })).toHaveLength(1);
});

test('carriers that are down: bounded retries each, then a carrier_rejected task for a person', async () => {
  const order = sampleOrder({ sandbox: { carrierFailureRate: 1 } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'carrier_rejected', 150_000);
  expect(JSON.stringify(task.context)).toMatch(/unavailable/);
  const attempts = await bookingAttempts(order.orderNo);
  // At least two carriers were asked; each was tried six times (the history records an activity's
  // last attempt), then given up on.
  expect(attempts.started.length).toBeGreaterThanOrEqual(2);
  expect(new Set(attempts.started)).toEqual(new Set([6]));
  expect((await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_order', note: 'carriers down', decidedBy: 'supervisor.li' })).status).toBe(200);
  expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
});
