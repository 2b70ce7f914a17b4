/**
 * Stations mode (BOXFLOW_WAREHOUSE=stations) on the real dev server and a real worker: the order
 * waits for the pick, pack and hand-over stations' updates; wrong messages are refused with the
 * reason and change nothing; only the hand-over scan ships a parcel and starts its tracking.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { getStock, setOnHand } from '../../db/inventory';
import { expectedParcelWeight, stationDueAt } from '../../domain/stations';
import { createHarness, Harness, maybeRecordHistory, openTaskOf, orderResult, sampleOrder, statusTrail, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_WAREHOUSE: 'stations' } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

async function atStation(orderNo: string, step: string) {
  return waitFor(`${orderNo} at the ${step} station`, async () => {
    const row = await h.db('orders').where({ order_no: orderNo }).first();
    return row?.station_step === step ? row : undefined;
  });
}

/** Sends a station update; resolves to the answer, or to the refusal's message. */
async function send(orderNo: string, update: 'stationPick' | 'stationPack' | 'stationHandOver', arg: unknown): Promise<{ ok: true; detail: string } | { ok: false; reason: string }> {
  try {
    const r = (await workflowHandle(h, orderNo).executeUpdate(update, { args: [arg] })) as { detail: string };
    return { ok: true, detail: r.detail };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { ok: false, reason: err.cause?.message ?? err.message };
    if (err instanceof WorkflowNotFoundError) return { ok: false, reason: err.message }; // the workflow has ended
    throw err;
  }
}

test('an order waits at each station; wrong messages are refused; only the hand-over scan ships it', async () => {
  const before = await getStock(h.db, 'BB-MOLLY-SPACE');
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  const placedAt = Date.now();

  // Pick / inspect (P1.8, P1.4).
  const atPick = await atStation(no, 'pick');
  expect(atPick.status).toBe('picking');
  // Due 4 h before the YTO pickup cut-off the pick can still make (time scale 1), not a fixed 2 h.
  const due = new Date(atPick.station_due).getTime();
  expect([stationDueAt('pick', 'YTO', placedAt).dueAtMs, stationDueAt('pick', 'YTO', Date.now()).dueAtMs]).toContain(due);
  expect(await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'FIG-MEGA-1000', quantity: 1 }] })).toEqual({ ok: false, reason: "FIG-MEGA-1000 is not on this order's pick list" });
  expect(await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }] })).toEqual({ ok: false, reason: 'BB-MOLLY-SPACE: 1 of 2 scanned' });
  expect(await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 3 }] })).toEqual({ ok: false, reason: 'BB-MOLLY-SPACE: 3 scanned, the pick list has 2' });
  expect(await send(no, 'stationPick', { by: '', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 2 }] })).toEqual({ ok: false, reason: 'who did it (by) is required' });
  expect(await send(no, 'stationPack', { by: 'packer.li', shipmentId: `SHP-${no}-1`, box: 'BOX-MAILER', weightGrams: 300 })).toEqual({ ok: false, reason: `order ${no} is not waiting at the pack station (it waits at the pick station)` });
  // Refusals changed nothing: no shipment yet, still picking.
  expect(await h.db('shipments').where({ order_no: no })).toHaveLength(0);
  expect((await h.db('orders').where({ order_no: no }).first()).station_step).toBe('pick');
  const picked = await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 2 }] });
  expect(picked).toEqual({ ok: true, detail: 'P1.8/P1.4: 2 × BB-MOLLY-SPACE picked and scanned by picker.wu' });
  expect(await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 2 }] })).toMatchObject({ ok: false });

  // Pack (P1.5): the box and a weight within tolerance.
  await atStation(no, 'pack');
  const [parcel] = await h.db('shipments').where({ order_no: no });
  expect(parcel.box).toBe('bubble_mailer');
  const unit = await h.db('catalog_items').where({ sku: 'BB-MOLLY-SPACE' }).first();
  const expected = expectedParcelWeight(2 * unit.weight_grams, 'bubble_mailer');
  const tooHeavy = await send(no, 'stationPack', { by: 'packer.li', shipmentId: parcel.id, box: 'BOX-MAILER', weightGrams: expected.grams + unit.weight_grams });
  expect(tooHeavy.ok).toBe(false);
  expect((tooHeavy as { reason: string }).reason).toMatch(/recount the items/);
  expect(await send(no, 'stationPack', { by: 'packer.li', shipmentId: parcel.id, box: 'BOX-NOPE', weightGrams: expected.grams })).toMatchObject({ ok: false, reason: expect.stringMatching(/not a box we pack in/) });
  expect((await h.db('shipments').where({ id: parcel.id }).first()).packed_at).toBeNull();
  const packed = await send(no, 'stationPack', { by: 'packer.li', shipmentId: parcel.id, box: 'BOX-MAILER', weightGrams: expected.grams + 5 });
  expect(packed.ok).toBe(true);
  const packedRow = await h.db('shipments').where({ id: parcel.id }).first();
  expect(packedRow).toMatchObject({ packed_box: 'bubble_mailer', packed_weight_grams: expected.grams + 5, weight_grams: expected.grams + 5, packed_by: 'packer.li' });

  // Booked, then waiting for the courier: not shipped until the scan.
  const atHandover = await atStation(no, 'handover');
  expect(atHandover.status).toBe('booked');
  const booked = await h.db('shipments').where({ id: parcel.id }).first();
  expect(booked.status).toBe('booked');
  expect(booked.shipped_at).toBeNull();
  expect(await send(no, 'stationHandOver', { by: 'dock.zhao', waybillNo: 'YT0000000000' })).toEqual({ ok: false, reason: `waybill YT0000000000 is not a parcel of order ${no} waiting for pickup` });
  expect((await h.db('shipments').where({ id: parcel.id }).first()).status).toBe('booked');
  const scanned = await send(no, 'stationHandOver', { by: 'dock.zhao', waybillNo: booked.tracking_no.toLowerCase() });
  expect(scanned.ok).toBe(true);

  const result = await orderResult(h, no);
  expect(result).toEqual({ orderNo: no, status: 'shipped', trackingNumbers: [booked.tracking_no] });
  await maybeRecordHistory(h, no, 'v5-stations-shipped');
  await maybeRecordHistory(h, no, 'v7-stations-cutoff-deadlines-shipped');
  // The deadlines by cut-off ran (and are recorded in the history for replay).
  const markers = ((await workflowHandle(h, no).fetchHistory()).events ?? [])
    .flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}))
    .flatMap((p) => p.payloads ?? [])
    .map((p) => Buffer.from(p.data ?? []).toString('utf8'));
  expect(markers.some((m) => m.includes('station-deadlines-by-cutoff'))).toBe(true);
  const shipped = await h.db('shipments').where({ id: parcel.id }).first();
  expect(shipped).toMatchObject({ status: 'shipped', handed_over_by: 'dock.zhao' });
  expect((await h.db('orders').where({ order_no: no }).first()).station_step).toBeNull();
  // Tracking started with the scan; the stock left the shelf.
  expect((await h.client.workflow.getHandle(`track-${parcel.id}`).describe()).status.name).toBeDefined();
  expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toMatchObject({ onHand: before!.onHand - 2, reserved: before!.reserved });
  expect(await statusTrail(h, no)).toEqual(['received', 'validated', 'reserving', 'awaiting_payment', 'paid', 'picking', 'packed', 'labelled', 'booked', 'shipped']);
  const notes = await h.db('order_events').where({ order_no: no }).whereIn('type', ['station_pick', 'station_pack', 'station_handover']).orderBy('id');
  expect(notes.map((n) => n.type)).toEqual(['station_pick', 'station_pack', 'station_handover']);
  // After the scan the order can no longer be cancelled.
  expect((await h.api().post(`/api/orders/${no}/cancel`).send({ reason: 'too late', requestedBy: 'cs.li' })).status).toBe(409);
});

test('an order waiting for the courier can still be cancelled: the waybill is voided, nothing ships', async () => {
  const before = await getStock(h.db, 'BB-MOLLY-SPACE');
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  await atStation(no, 'pick');
  expect((await send(no, 'stationPick', { by: 'picker.wu', units: [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }] })).ok).toBe(true);
  await atStation(no, 'pack');
  const [parcel] = await h.db('shipments').where({ order_no: no });
  const unit = await h.db('catalog_items').where({ sku: 'BB-MOLLY-SPACE' }).first();
  expect((await send(no, 'stationPack', { by: 'packer.li', shipmentId: parcel.id, box: 'BOX-MAILER', weightGrams: expectedParcelWeight(unit.weight_grams, 'bubble_mailer').grams })).ok).toBe(true);
  await atStation(no, 'handover');
  const cancel = await h.api().post(`/api/orders/${no}/cancel`).send({ reason: 'the customer changed their mind', requestedBy: 'cs.li' });
  expect(cancel.status).toBe(200);
  expect((await orderResult(h, no)).status).toBe('cancelled');
  const after = await h.db('shipments').where({ id: parcel.id }).first();
  expect(after.status).toBe('cancelled');
  expect(after.shipped_at).toBeNull();
  expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toEqual(before);
  // A scan after the cancellation is refused.
  expect((await send(no, 'stationHandOver', { by: 'dock.zhao', waybillNo: after.tracking_no })).ok).toBe(false);
});

test('damage found at picking (P1.4): a spare replaces the unit, or with none a supervisor decides', async () => {
  // No spare candy toy: exactly one on hand, and this order reserves it.
  await setOnHand(h.db, 'CANDY-TOY-HIRONO', (await getStock(h.db, 'CANDY-TOY-HIRONO'))!.reserved + 1, 'test: the last unit');
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }, { sku: 'CANDY-TOY-HIRONO', quantity: 1, unitPrice: 39 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  await atStation(no, 'pick');
  const units = [{ sku: 'BB-MOLLY-SPACE', quantity: 1 }, { sku: 'CANDY-TOY-HIRONO', quantity: 1 }];
  expect(await send(no, 'stationPick', { by: 'picker.wu', units, damaged: [{ sku: 'FIG-MEGA-1000' }] })).toEqual({ ok: false, reason: "a damaged FIG-MEGA-1000 is not on this order's pick list" });
  expect(await send(no, 'stationPick', { by: 'picker.wu', units, damaged: [{ sku: 'BB-MOLLY-SPACE' }, { sku: 'BB-MOLLY-SPACE' }] })).toEqual({ ok: false, reason: '2 damaged BB-MOLLY-SPACE reported, the pick list has 1' });
  const molly = await getStock(h.db, 'BB-MOLLY-SPACE');
  const picked = await send(no, 'stationPick', { by: 'picker.wu', units, damaged: [{ sku: 'BB-MOLLY-SPACE', photo: 'a.jpg' }, { sku: 'CANDY-TOY-HIRONO', photo: 'b.jpg' }] });
  expect(picked).toMatchObject({ ok: true, detail: expect.stringContaining('damaged: BB-MOLLY-SPACE, CANDY-TOY-HIRONO') });

  // The Molly box had a spare (written off, the spare took its place); the candy toy had none: a decision.
  const task = await openTaskOf(h, no, 'damaged_goods');
  expect(task.context).toMatchObject({ sku: 'CANDY-TOY-HIRONO' });
  const inspection = await h.db('order_events').where({ order_no: no, type: 'inspection' }).first();
  expect(JSON.parse(inspection.data_json)).toMatchObject({ outcome: { replaced: [{ sku: 'BB-MOLLY-SPACE' }], unresolved: [{ sku: 'CANDY-TOY-HIRONO' }] }, by: 'picker.wu', photos: [{ sku: 'BB-MOLLY-SPACE', photo: 'a.jpg' }, { sku: 'CANDY-TOY-HIRONO', photo: 'b.jpg' }] });
  expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toMatchObject({ onHand: molly!.onHand - 1, reserved: molly!.reserved });
  expect((await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'ship_without_and_refund', decidedBy: 'sup.chen' })).status).toBe(200);
  // The rest goes on to the pack station without the candy toy.
  await atStation(no, 'pack');
  const [parcel] = await h.db('shipments').where({ order_no: no });
  expect(JSON.parse(parcel.items_json).map((i: { sku: string }) => i.sku)).toEqual(['BB-MOLLY-SPACE']);
  expect((await h.api().post(`/api/orders/${no}/cancel`).send({ reason: 'test done', requestedBy: 'cs.li' })).status).toBe(200);
  expect((await orderResult(h, no)).status).toBe('cancelled');
  await workflowHandle(h, no).result();
  await maybeRecordHistory(h, no, 'v5-stations-damage-then-cancelled');
});

test('auto mode is unchanged: an order of an auto policy ships without any station', async () => {
  const auto = await createHarness({ env: { BOXFLOW_WAREHOUSE: 'auto' }, worker: false });
  try {
    // The auto app starts orders on this file's worker queue (same database schema, own database).
    const order = sampleOrder();
    expect((await auto.api().post('/api/orders').send(order)).status).toBe(201);
    await auto.startWorker();
    const r = await orderResult(auto, order.orderNo);
    expect(r.status).toBe('shipped');
    expect((await auto.db('orders').where({ order_no: order.orderNo }).first()).station_step).toBeNull();
    const history = await workflowHandle(auto, order.orderNo).fetchHistory();
    const patches = (history.events ?? [])
      .flatMap((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [])
      .map((p) => Buffer.from(p.data ?? []).toString('utf8'));
    expect(patches.length).toBeGreaterThan(0); // the decoding works: other patches are there
    expect(patches.join(' ')).not.toContain('warehouse-stations');
    await expectLedgerHolds(auto);
  } finally {
    await auto.close();
  }
});
