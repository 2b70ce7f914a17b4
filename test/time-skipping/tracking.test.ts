/**
 * Issue 11 item 2, at time scale 1 on the time-skipping test server: a parcel on a slow route is
 * scanned every 2 hours for 30 days (a scan at each sorting centre; the carrier pushes each one to
 * the tracking webhook, with the server's time), then delivered. Tracking ends `delivered`, the order
 * `delivered`; every run of the tracking and the order workflow stays under 10,000 events. The
 * sandbox scenario `lost` keeps the sandbox's own scripted scans out of it: only the webhook's scans
 * move the parcel. (Measured on the code before continue-as-new: scans every 3 hours end at 8,221
 * events, every 2 hours pass 10,000 on day 25.)
 */
import { sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { createTimeSkippingWorld, EVENTS_PER_RUN_LIMIT, expectEveryRunUnder, TimeSkippingWorld, untilStatus } from '../support/time-skipping';
import { signedPost } from '../support/webhooks';

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

const RAW: Record<string, { moving: string; delivered: string }> = {
  SF: { moving: '在途', delivered: '签收' },
  YTO: { moving: '在途', delivered: '签收' },
  DHL: { moving: 'IT', delivered: 'DL' },
  FEDEX: { moving: 'IT', delivered: 'DL' },
};

test('scans every 2 hours for 30 days, then delivered: tracking ends, every run under 10,000 events', async () => {
  const order = sampleOrder({ sandbox: { tracking: 'lost' } });
  expect((await world.api().post('/api/orders').send(order)).status).toBe(201);
  await untilStatus(world, order.orderNo, ['shipped']);
  const parcel = await world.db('shipments').where({ order_no: order.orderNo }).whereNotNull('shipped_at').first();
  const trackId = `track-${parcel.id}`;
  const raw = RAW[parcel.carrier];

  const scan = async (n: number, status: string) => {
    const res = await signedPost(world.app, `/api/webhooks/tracking/${parcel.carrier}`, {
      eventId: `${parcel.tracking_no}-scan-${n}`, trackingNo: parcel.tracking_no, status, occurredAt: new Date(await world.now()).toISOString(), description: `scan ${n}`, location: 'on the way',
    });
    expect(res.status).toBe(202);
  };
  const SCANS = 30 * 12;
  for (let i = 1; i <= SCANS; i++) {
    await scan(i, raw.moving);
    await world.sleep('2 hours');
    if (i % 12 === 0) {
      for (const id of [trackId, `order-${order.orderNo}`]) {
        const { historyLength } = await world.client.workflow.getHandle(id).describe();
        if (historyLength >= EVENTS_PER_RUN_LIMIT) throw new Error(`${id}: ${historyLength} events in the current run after ${i / 12} day(s) of scans`);
      }
    }
  }
  await scan(SCANS + 1, raw.delivered);
  await untilStatus(world, order.orderNo, ['delivered']);
  await waitFor('the tracking workflow to end', async () => (await world.client.workflow.getHandle(trackId).describe()).status.name === 'COMPLETED');
  expect((await world.db('shipments').where({ id: parcel.id }).first()).status).toBe('delivered');

  const tracking = await expectEveryRunUnder(world.client, trackId);
  const orderRuns = await expectEveryRunUnder(world.client, `order-${order.orderNo}`);
  console.log(`tracking 30 days: ${trackId}: ${tracking.map((r) => `${r.events} (${r.ended})`).join(', ')}; order: ${orderRuns.map((r) => `${r.events} (${r.ended})`).join(', ')}`);
}, 600_000);
