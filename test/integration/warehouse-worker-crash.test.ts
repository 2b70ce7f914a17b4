/**
 * Stations mode, nothing lost and nothing done twice: a station's message sent while no worker
 * runs is handled when one comes back; a worker killed (-9) just as the courier's scan arrives
 * leaves the scan to the next worker, which ships the parcel once, with one tracking.
 */
import { expectedParcelWeight } from '../../domain/stations';
import { createHarness, Harness, orderResult, sampleOrder, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { spawnWorkerProcess } from '../support/worker-process';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: false, env: { BOXFLOW_WAREHOUSE: 'stations' } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const atStation = (orderNo: string, step: string) =>
  waitFor(`${orderNo} at the ${step} station`, async () => (await h.db('orders').where({ order_no: orderNo }).first())?.station_step === step, 90_000);
const stop = async (w: ReturnType<typeof spawnWorkerProcess>, signal: NodeJS.Signals) => {
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.kill(signal);
  await exited;
};

test('station messages survive a worker that is down or killed: each step happens once', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }] });
  const no = order.orderNo;
  const handle = workflowHandle(h, no);
  const first = spawnWorkerProcess(h, 'stations-worker-1');
  await first.ready;
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await atStation(no, 'pick');

  // No worker: the pick is sent and waits (the client's call stays open), then a worker handles it.
  await stop(first, 'SIGKILL');
  const pick = handle.executeUpdate('stationPick', { args: [{ by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }] }] });
  const second = spawnWorkerProcess(h, 'stations-worker-2');
  await second.ready;
  expect(await pick).toMatchObject({ accepted: true, step: 'pick' });

  await atStation(no, 'pack');
  const [parcel] = await h.db('shipments').where({ order_no: no });
  const unit = await h.db('catalog_items').where({ sku: 'BB-MOLLY-SPACE' }).first();
  await handle.executeUpdate('stationPack', { args: [{ by: 'packer.li', shipmentId: parcel.id, box: 'BOX-MAILER', weightGrams: expectedParcelWeight(unit.weight_grams, 'bubble_mailer').grams }] });
  await atStation(no, 'handover');
  const booked = await h.db('shipments').where({ id: parcel.id }).first();

  // The courier's scan, and the worker killed at once, wherever it was with it.
  const scan = handle.executeUpdate('stationHandOver', { args: [{ by: 'dock.zhao', waybillNo: booked.tracking_no }] });
  await stop(second, 'SIGKILL');
  const third = spawnWorkerProcess(h, 'stations-worker-3');
  await third.ready;
  try {
    expect(await scan).toMatchObject({ accepted: true, step: 'handover' });
    expect((await orderResult(h, no, 90_000)).status).toBe('shipped');
    // Each step once: one station note of each kind, one `shipped` status, the tracking running.
    const events = await h.db('order_events').where({ order_no: no }).orderBy('id');
    expect(events.filter((e) => e.type === 'station_pick')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'station_pack')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'station_handover')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'status' && JSON.parse(e.data_json).status === 'shipped')).toHaveLength(1);
    expect(await h.db('shipments').where({ id: parcel.id }).first()).toMatchObject({ status: 'shipped', handed_over_by: 'dock.zhao' });
    // (One tracker per parcel ever: its id is track-<shipment>, started with REJECT_DUPLICATE.)
    expect((await h.client.workflow.getHandle(`track-${parcel.id}`).describe()).status.name).toBe('RUNNING');
    // The stock left the shelf once (the ledger in afterAll checks it adds up).
    expect((await h.db('order_lines').where({ order_no: no }).first()).status).toBe('shipped');
  } finally {
    await stop(third, 'SIGTERM');
  }
});
