/**
 * Nothing lost: kill -9 the worker process while it is booking an order with the carrier, start a
 * new one, and the order still ships, with exactly one waybill issued by the carrier.
 */
import { createHarness, Harness, orderResult, sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { spawnWorkerProcess } from '../support/worker-process';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: false });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

test('an order survives its worker being killed mid-booking, with one booking', async () => {
  const first = spawnWorkerProcess(h, 'worker-1');
  await first.ready;

  // The sandbox carrier records the booking, then takes 4 s to answer: the kill lands in between,
  // the worst moment (the carrier has issued a waybill, the worker has not recorded it).
  const order = sampleOrder({ sandbox: { carrierLatencyMs: 4000 } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await waitFor('the carrier to record the booking', async () =>
    (await h.db('sandbox_carrier_bookings').where({ order_no: order.orderNo, status: 'booked' }).first()) ?? null,
  );
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const midway = await h.db('orders').where({ order_no: order.orderNo }).first();
  expect(midway.status).not.toBe('shipped');

  const second = spawnWorkerProcess(h, 'worker-2');
  await second.ready;
  try {
    const result = await orderResult(h, order.orderNo);
    expect(result.status).toBe('shipped');
    const bookings = await h.db('sandbox_carrier_bookings').where({ order_no: order.orderNo, status: 'booked' });
    expect(bookings).toHaveLength(1);
    expect(result.trackingNumbers).toEqual([bookings[0].waybill_no]);
    const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
    expect(shipment.tracking_no).toBe(bookings[0].waybill_no);
    // Each status was written once even though activities ran again after the crash.
    const statuses = (await h.db('order_events').where({ order_no: order.orderNo, type: 'status' }).orderBy('id')).map((e) => JSON.parse(e.data_json).status);
    expect(statuses.filter((s: string) => s === 'shipped')).toHaveLength(1);
    expect(statuses.filter((s: string) => s === 'booked')).toHaveLength(1);
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }
});
