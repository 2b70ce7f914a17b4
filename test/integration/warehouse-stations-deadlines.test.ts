/**
 * Stations mode deadlines with BOXFLOW_TIME_SCALE 0.0002: each station step may take 2 h (1.44 s
 * here), the hand-over 6 h (4.3 s); past it a supervisor task opens while the order keeps waiting.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { getStock } from '../../db/inventory';
import { expectedParcelWeight } from '../../domain/stations';
import { createHarness, Harness, maybeRecordHistory, openTaskOf, orderResult, sampleOrder, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  // A small history budget: an order whose parcel missed its pickup continues as new at once.
  h = await createHarness({ env: { BOXFLOW_WAREHOUSE: 'stations', BOXFLOW_TIME_SCALE: '0.0002', BOXFLOW_CONTINUE_AS_NEW_AFTER: '40' } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const atStation = (orderNo: string, step: string) =>
  waitFor(`${orderNo} at the ${step} station`, async () => (await h.db('orders').where({ order_no: orderNo }).first())?.station_step === step);

async function send(orderNo: string, update: string, arg: unknown): Promise<boolean> {
  try {
    await workflowHandle(h, orderNo).executeUpdate(update, { args: [arg] });
    return true;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return false;
    throw err;
  }
}

test('past each deadline a supervisor task opens; the station finishing the step withdraws it; a missed pickup rolls on', async () => {
  // Light blind boxes: no pickup booking, the order ships quickly once scanned (and the SLA stays far).
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  const firstRun = (await workflowHandle(h, no).describe()).runId;

  // Nobody picks: pick_overdue opens; the pick then arrives and the task is withdrawn.
  const pickTask = await openTaskOf(h, no, 'pick_overdue');
  expect(pickTask.options).toEqual(['keep_waiting', 'cancel_order']);
  expect(pickTask.context).toMatchObject({ step: 'pick', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }] });
  expect(await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }] })).toBe(true);
  await waitFor('the pick task withdrawn', async () => (await h.db('tasks').where({ id: pickTask.id }).first()).status === 'cancelled');

  // Nobody packs: pack_overdue opens; packing withdraws it.
  const packTask = await openTaskOf(h, no, 'pack_overdue');
  const [parcel] = await h.db('shipments').where({ order_no: no });
  const unit = await h.db('catalog_items').where({ sku: 'BB-MOLLY-SPACE' }).first();
  expect(await send(no, 'stationPack', { by: 'packer.li', shipmentId: parcel.id, box: 'BOX-MAILER', weightGrams: expectedParcelWeight(unit.weight_grams, 'bubble_mailer').grams })).toBe(true);
  await waitFor('the pack task withdrawn', async () => (await h.db('tasks').where({ id: packTask.id }).first()).status === 'cancelled');

  // Nobody scans the parcel out: handover_missed opens; undecided, its default rolls the parcel to
  // the next pickup (a note on the timeline), and the order still waits, not shipped.
  const missed = await openTaskOf(h, no, 'handover_missed');
  const booked = await h.db('shipments').where({ id: parcel.id }).first();
  expect(missed.context).toMatchObject({ step: 'handover', missing: [`${booked.carrier} ${booked.tracking_no}`] });
  await waitFor('the missed pickup rolled on', async () => (await h.db('tasks').where({ id: missed.id }).first()).decision === 'next_pickup');
  await waitFor('a roll noted', async () => h.db('order_events').where({ order_no: no, type: 'handover_missed' }).first());
  expect((await h.db('shipments').where({ id: parcel.id }).first()).status).toBe('booked');
  expect((await h.db('orders').where({ order_no: no }).first()).station_step).toBe('handover');
  // The long wait continued as new, carrying the hand-over (its parcels, lines, what was scanned).
  await waitFor('a new run', async () => (await workflowHandle(h, no).describe()).runId !== firstRun);
  await waitFor('the new run at the courier pickup', async () => (await workflowHandle(h, no).query<{ waitingFor: string | null }>('orderProgress')).waitingFor?.includes('courier pickup'));

  // The next pickup: the scan ships it.
  expect(await send(no, 'stationHandOver', { by: 'dock.zhao', waybillNo: booked.tracking_no })).toBe(true);
  expect((await orderResult(h, no)).status).toBe('shipped');
  expect((await h.db('tasks').where({ order_no: no, status: 'open' })).length).toBe(0);
  await maybeRecordHistory(h, no, 'v5-stations-handover-resumed-after-continue-as-new');
});

test('a supervisor cancels an order nobody picked: stock released, nothing shipped', async () => {
  const before = await getStock(h.db, 'BB-MOLLY-SPACE');
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'pick_overdue');
  const decided = await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_order', decidedBy: 'sup.chen' });
  expect(decided.status).toBe(200);
  expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
  expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toEqual(before);
  expect(await h.db('shipments').where({ order_no: order.orderNo })).toHaveLength(0);
  const cancel = (await h.db('order_events').where({ order_no: order.orderNo, type: 'cancellation' }).first()).detail;
  expect(cancel).toMatch(/P1\.8: the pick station.*overdue; cancelled by decision/);
  await workflowHandle(h, order.orderNo).result();
  await maybeRecordHistory(h, order.orderNo, 'v5-stations-pick-overdue-cancelled');
});
