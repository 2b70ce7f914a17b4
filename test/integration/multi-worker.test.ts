/**
 * Several workers: three worker processes (the real `npm run worker` entry point) poll one task
 * queue and share one database. Orders pushed through the API all ship, each exactly once, and the
 * work really is spread over the processes. Then one worker is killed with SIGKILL while carrier
 * bookings are in flight, and the other two finish its orders (heartbeat timeout → retry elsewhere
 * with the same idempotency key), still with one booking per shipment.
 *
 * Runs on SQLite by default and on PostgreSQL with BOXFLOW_TEST_DATABASE_URL (see test-database.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { createHarness, Harness, orderResult, sampleOrder, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { spawnWorkerProcess } from '../support/worker-process';

jest.setTimeout(6 * 60_000);

let h: Harness;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  h = await createHarness({ worker: false });
  const spawned = [1, 2, 3].map((n) => spawnWorkerProcess(h, `multi-worker-${n}`));
  workers.push(...spawned.map((s) => s.child));
  await Promise.all(spawned.map((s) => s.ready));
});

afterAll(async () => {
  try {
    // While the workers are still up, so that orders still closing get to close.
    await expectLedgerHolds(h);
  } finally {
    await Promise.all(
      workers
        .filter((c) => c.exitCode === null && c.signalCode === null)
        .map((c) => {
          const exited = new Promise((r) => c.once('exit', r));
          c.kill('SIGTERM');
          return exited;
        }),
    );
    await h?.close();
  }
});

/** temporal.api.enums.v1.PendingActivityState: a worker has picked the activity up and not answered. */
const PENDING_ACTIVITY_STATE_STARTED = 2;

/** Worker identity as the SDK sets it by default: `<pid>@<host>`. */
const pidOf = (identity: string | null | undefined) => Number(String(identity ?? '').split('@')[0]);

/** Which worker processes completed this order's workflow tasks and activities (from its history). */
async function completedBy(orderNo: string): Promise<{ all: Set<number>; bookings: Set<number> }> {
  const history = await workflowHandle(h, orderNo).fetchHistory();
  const all = new Set<number>();
  const bookings = new Set<number>();
  const bookingIds = new Set<string>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'bookShipment') bookingIds.add(String(e.eventId));
    const wft = e.workflowTaskCompletedEventAttributes;
    if (wft?.identity) all.add(pidOf(wft.identity));
    const act = e.activityTaskCompletedEventAttributes;
    if (act?.identity) {
      all.add(pidOf(act.identity));
      if (bookingIds.has(String(act.scheduledEventId))) bookings.add(pidOf(act.identity));
    }
  }
  return { all, bookings };
}

/** Each order shipped, each shipment booked once with the carrier, each order's `shipped` written once. */
async function expectShippedOnce(orderNos: string[]): Promise<void> {
  for (const orderNo of orderNos) {
    const order = await h.db('orders').where({ order_no: orderNo }).first();
    expect({ orderNo, status: order.status }).toEqual({ orderNo, status: 'shipped' });
    const shipments = await h.db('shipments').where({ order_no: orderNo });
    expect(shipments.length).toBeGreaterThan(0);
    for (const s of shipments) {
      const bookings = await h.db('sandbox_carrier_bookings').where({ idempotency_key: s.id, status: 'booked' });
      expect({ shipment: s.id, bookings: bookings.length }).toEqual({ shipment: s.id, bookings: 1 });
      expect(s.tracking_no).toBe(bookings[0].waybill_no);
    }
    const statuses = (await h.db('order_events').where({ order_no: orderNo, type: 'status' })).map((e) => JSON.parse(e.data_json).status);
    expect({ orderNo, shipped: statuses.filter((s: string) => s === 'shipped').length }).toEqual({ orderNo, shipped: 1 });
  }
}

async function placeOrders(orders: ReturnType<typeof sampleOrder>[]): Promise<void> {
  const answers = await Promise.all(orders.map((o) => h.api().post('/api/orders').send(o)));
  expect(answers.map((a) => a.status)).toEqual(orders.map(() => 201));
}

// Spread over three SKUs so the orders do not all queue on one stock row.
const SKUS = ['BB-MOLLY-SPACE', 'BB-DIMOO-FOREST', 'PL-LABUBU-30'];

test('30 orders through three worker processes: all ship, none twice, the work spread over the workers', async () => {
  const orders = Array.from({ length: 30 }, (_, i) => sampleOrder({ lines: [{ sku: SKUS[i % SKUS.length], quantity: 1, unitPrice: i % 3 === 2 ? 399 : 69 }] }));
  await placeOrders(orders);

  const results = await Promise.all(orders.map((o) => orderResult(h, o.orderNo)));
  expect(results.map((r) => r.status)).toEqual(orders.map(() => 'shipped'));
  await expectShippedOnce(orders.map((o) => o.orderNo));

  // Every order's tasks were done by our three processes, and more than one of them did work.
  const workerPids = new Set(workers.map((c) => c.pid!));
  const used = new Set<number>();
  for (const o of orders) for (const pid of (await completedBy(o.orderNo)).all) used.add(pid);
  expect([...used].every((pid) => workerPids.has(pid))).toBe(true);
  expect(used.size).toBeGreaterThanOrEqual(2);

  // Stock moved exactly by what shipped: 10 units per SKU, none reserved any more.
  for (const sku of SKUS) {
    const shipped = await h.db('order_lines').where({ sku, status: 'shipped' }).sum({ n: 'quantity' });
    expect(Number(shipped[0].n)).toBe(10);
  }
});

test('kill -9 one worker while bookings are in flight: the other two finish its orders, one booking each', async () => {
  const orders = Array.from({ length: 9 }, (_, i) =>
    sampleOrder({ lines: [{ sku: SKUS[i % SKUS.length], quantity: 1, unitPrice: i % 3 === 2 ? 399 : 69 }], sandbox: { carrierLatencyMs: 1500 } }),
  );
  await placeOrders(orders);

  // Find a worker that is inside a carrier booking right now (the carrier has it, the worker has
  // not answered yet): that is the one to kill.
  const alive = new Map(workers.map((c) => [c.pid!, c]));
  const caught = await waitFor('a booking in flight on one of the workers', async () => {
    for (const o of orders) {
      const d = await workflowHandle(h, o.orderNo).describe();
      for (const a of d.raw.pendingActivities ?? []) {
        const pid = pidOf(a.lastWorkerIdentity);
        // Started less than a second ago: the carrier takes 1.5 s, so the kill lands before the
        // worker can answer (not in the last moment of the call).
        const startedAgo = Date.now() - (optionalTsToMs(a.lastStartedTime) ?? 0);
        if (
          a.activityType?.name === 'bookShipment' &&
          a.state === PENDING_ACTIVITY_STATE_STARTED &&
          startedAgo < 1000 &&
          alive.has(pid)
        ) {
          return { pid, orderNo: o.orderNo };
        }
      }
    }
    return undefined;
  }, 120_000);
  const victim = alive.get(caught.pid)!;
  const exited = new Promise((r) => victim.once('exit', r));
  victim.kill('SIGKILL');
  await exited;
  expect((await h.db('orders').where({ order_no: caught.orderNo }).first()).status).not.toBe('shipped');

  const results = await Promise.all(orders.map((o) => orderResult(h, o.orderNo)));
  expect(results.map((r) => r.status)).toEqual(orders.map(() => 'shipped'));
  await expectShippedOnce(orders.map((o) => o.orderNo));

  // The booking the dead worker was in the middle of was completed by one of the survivors.
  const { bookings } = await completedBy(caught.orderNo);
  expect(bookings.size).toBeGreaterThan(0);
  expect(bookings.has(caught.pid)).toBe(false);
  const survivors = workers.filter((c) => c !== victim).map((c) => c.pid!);
  expect([...bookings].every((pid) => survivors.includes(pid))).toBe(true);
});
