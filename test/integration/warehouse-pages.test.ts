/**
 * The warehouse stations' pages (stations mode) through the real app, a real worker and Temporal:
 * waves by cut-off, a wave claimed by compare-and-set, the pick list by bin, scan-to-verify with
 * "n of m" and wrong items refused, pack with a weight check, the hand-over manifest; every scan
 * and refusal in the audit log; the training gate on the stations.
 */
import fs from 'node:fs';
import type { Response as SuperResponse } from 'superagent';
import path from 'node:path';
import { barcodeForSku, caseBarcodeFor, isEan13 } from '../../domain/barcodes';
import { expectedParcelWeight } from '../../domain/stations';
import { waveOf } from '../../domain/waves';
import { STATION_MODULES } from '../../training/content';
import { certifyModule } from '../support/browser';
import { readPdf } from '../support/pdf-read';
import { createHarness, Harness, orderResult, sampleOrder, signIn, SignedIn, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { makePng } from './training-helpers';

let h: Harness;
let picker: SignedIn;
let other: SignedIn;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_WAREHOUSE: 'stations' } });
  picker = await signIn(h, 'warehouse', { username: 'picker.wu' });
  other = await signIn(h, 'warehouse', { username: 'picker.ma' });
  for (const s of [picker, other]) {
    for (const m of Object.values(STATION_MODULES)) await certifyModule(h.db, s.user.id, m);
    await s.agent.get('/lang/en');
  }
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
const binary = (r: SuperResponse, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  r.on('end', () => cb(null, Buffer.concat(chunks)));
};
const plain = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

test('every catalog item has a valid EAN-13 and the demo stock has bins', async () => {
  const items = await h.db('catalog_items').select('sku', 'barcode');
  for (const i of items) expect(isEan13(i.barcode)).toBe(true);
  expect(new Set(items.map((i) => i.barcode)).size).toBe(items.length);
  expect((await h.db('inventory').where({ sku: 'BB-MOLLY-SPACE' }).first()).bin_location).toBe('A-01-1');
});

test('a picker works an order through the pages: wave, pick list by bin, scans, pack, manifest', async () => {
  const order = sampleOrder({
    lines: [
      { sku: 'PL-LABUBU-30', quantity: 1, unitPrice: 399 },
      { sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 },
      { sku: 'CANDY-TOY-HIRONO', quantity: 1, unitPrice: 39 },
    ],
  });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  await atStation(no, 'pick');

  // Plain staff cannot work stations.
  const staff = await signIn(h, 'staff');
  expect((await staff.agent.get('/warehouse')).status).toBe(403);

  // The floor: the order in its carrier's wave (domestic, 576 CNY is high value: SF), with counts.
  const wave = waveOf('SF', Date.now());
  const floor = await picker.agent.get('/warehouse');
  expect(floor.status).toBe(200);
  expect(plain(floor.text)).toContain(`SF Express wave · cut-off ${wave.cutoffLabel} To pick 1 · to pack 0 · to hand over 0 · 4 units · Not claimed`);
  expect(floor.text).toContain(`data-wave="${wave.key}"`);
  expect(floor.text).toContain(no);

  // One picker per wave: the second claim loses (409), naming the winner.
  expect((await picker.post(`/warehouse/waves/${encodeURIComponent(wave.key)}/claim`)).status).toBe(303);
  const lost = await other.post(`/warehouse/waves/${encodeURIComponent(wave.key)}/claim`);
  expect(lost.status).toBe(409);
  expect(plain(lost.text)).toContain('This wave was claimed by picker.wu first.');

  // The pick list sorted by bin: A-01-1 Molly, A-03-2 Hirono, B-04-1 Labubu.
  const list = await picker.agent.get(`/warehouse/waves/${encodeURIComponent(wave.key)}`);
  const mine = [...list.text.matchAll(/<td class="bin">([^<]+)<\/td>\s*<td>([^<]+)<\/td>[\s\S]*?<a href="\/warehouse\/pick\/([^"]+)"/g)].filter((m) => m[3] === no);
  expect(mine.map((m) => [m[1], m[2]])).toEqual([
    ['A-01-1', 'BB-MOLLY-SPACE'],
    ['A-03-2', 'CANDY-TOY-HIRONO'],
    ['B-04-1', 'PL-LABUBU-30'],
  ]);

  // The pick list also prints (a PDF, bin order), and printing it is audited.
  const listPdf = await picker.agent.get(`/warehouse/waves/${encodeURIComponent(wave.key)}/pick-list.pdf`).buffer(true).parse(binary);
  expect(listPdf.headers['content-type']).toBe('application/pdf');
  const listText = (await readPdf(listPdf.body as Buffer)).text;
  expect(listText.indexOf('A-01-1')).toBeLessThan(listText.indexOf('B-04-1'));
  expect(listText).toContain(no);

  // Scan to verify: a wrong item is refused and not counted; counts read "n of m".
  const scan = (code: string) => picker.post(`/warehouse/pick/${no}/scan`, { code });
  const wrong = await scan(barcodeForSku('FIG-MEGA-1000'));
  expect(plain(wrong.text)).toContain('✗ Wrong item: FIG-MEGA-1000 is not on this order.');
  expect(wrong.text).toContain('data-beep="error"');
  expect(plain((await scan('0000000000000')).text)).toContain('✗ Barcode 0000000000000 is not one of our items.');
  const one = await scan(barcodeForSku('BB-MOLLY-SPACE'));
  expect(plain(one.text)).toContain('✓ BB-MOLLY-SPACE: 1 of 2');
  await scan(barcodeForSku('BB-MOLLY-SPACE'));
  const extra = await scan(barcodeForSku('BB-MOLLY-SPACE'));
  expect(plain(extra.text)).toContain('✗ One too many: all 2 of BB-MOLLY-SPACE are scanned.');
  await scan(barcodeForSku('CANDY-TOY-HIRONO'));
  const last = await scan(barcodeForSku('PL-LABUBU-30'));
  expect(plain(last.text)).toContain('All units picked and checked');

  // Pack: the suggestion, a weight out of tolerance refused, then packed.
  await atStation(no, 'pack');
  const packPage = await picker.agent.get(`/warehouse/pack/${no}`);
  const [parcel] = await h.db('shipments').where({ order_no: no });
  expect(plain(packPage.text)).toContain(`Suggested: ${parcel.box} + ${parcel.protection}`);
  const items = JSON.parse(parcel.items_json) as Array<{ weightGrams: number; quantity: number }>;
  const expected = expectedParcelWeight(items.reduce((g, i) => g + i.weightGrams * i.quantity, 0), parcel.box);
  const boxCode = { bubble_mailer: 'BOX-MAILER', carton: 'BOX-CARTON', foam_box: 'BOX-FOAM', wooden_crate: 'BOX-CRATE' }[parcel.box as string]!;
  for (const doc of ['slips', 'product-labels']) {
    const got = await picker.agent.get(`/warehouse/${doc}/${parcel.id}.pdf`).buffer(true).parse(binary);
    expect(got.status).toBe(200);
    expect((await readPdf(got.body as Buffer)).text).toContain('BB-MOLLY-SPACE');
  }
  const heavy = await picker.post(`/warehouse/pack/${no}`, { shipmentId: parcel.id, box: boxCode, weightGrams: String(expected.grams + 120) });
  expect(plain(heavy.text)).toMatch(/✗ Refused: the parcel weighs \d+ g; .* recount the items/);
  const packed = await picker.post(`/warehouse/pack/${no}`, { shipmentId: parcel.id, box: boxCode, weightGrams: String(expected.grams) });
  expect(plain(packed.text)).toContain('✓ Packed');

  // Hand-over manifest: the booked parcel listed as not yet handed over; a wrong waybill refused.
  await atStation(no, 'handover');
  const booked = await h.db('shipments').where({ id: parcel.id }).first();
  const manifest = await picker.agent.get(`/warehouse/manifest/${booked.carrier}`);
  expect(manifest.text).toContain(`data-waybill="${booked.tracking_no}"`);
  expect(plain(manifest.text)).toContain('Courier signature');
  // The shipping label: a PDF read back by other tools (its waybill as Code 128); stored, so a
  // reprint is the same label, and every print is audited.
  const label = await picker.agent.get(`/warehouse/labels/${parcel.id}.pdf`).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(label.status).toBe(200);
  expect(label.headers['content-type']).toBe('application/pdf');
  const read = await readPdf(label.body as Buffer);
  expect(read.code128).toBe(booked.tracking_no);
  expect(read.text).toContain('王小明');
  expect(read.text).toContain(no);
  const again = await picker.agent.get(`/warehouse/labels/${parcel.id}.pdf`).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(Buffer.compare(again.body as Buffer, label.body as Buffer)).toBe(0);
  expect((await h.db('audit_log').where({ subject: `shipment:${parcel.id}` }).where('action', 'like', 'label.%').orderBy('id')).map((a) => [a.action, a.actor])).toEqual([
    ['label.print', 'picker.wu'],
    ['label.reprint', 'picker.wu'],
  ]);

  // The same label as ZPL for a thermal printer (linked beside the PDF), audited too.
  expect(manifest.text).toContain(`href="/warehouse/labels/${parcel.id}.zpl"`);
  const zpl = await picker.agent.get(`/warehouse/labels/${parcel.id}.zpl`).buffer(true).parse(binary);
  expect(zpl.status).toBe(200);
  expect(zpl.headers['content-type']).toMatch(/^application\/x-zpl/);
  const zplText = (zpl.body as Buffer).toString('utf8');
  expect(zplText.startsWith('^XA')).toBe(true);
  expect(zplText.trimEnd().endsWith('^XZ')).toBe(true);
  expect(zplText).toMatch(new RegExp(`\\^BCN[^\\^]*\\^FD${booked.tracking_no}\\^FS`));
  expect(await h.db('audit_log').where({ subject: `shipment:${parcel.id}`, action: 'label.zpl', actor: 'picker.wu' })).toHaveLength(1);

  const bad = await picker.post(`/warehouse/manifest/${booked.carrier}/scan`, { waybillNo: 'NOPE123' });
  expect(plain(bad.text)).toContain('✗ Refused: waybill NOPE123 is not a parcel of ours');
  const out = await picker.post(`/warehouse/manifest/${booked.carrier}/scan`, { waybillNo: booked.tracking_no });
  expect(plain(out.text)).toContain('✓ Handed over');
  expect((await orderResult(h, no)).status).toBe('shipped');

  // The manifest prints (交接单): the parcel, scanned out by whom, the totals and a signature line.
  expect(manifest.text).toContain(`href="/warehouse/manifest/${booked.carrier}/manifest.pdf"`);
  const manifestPdf = await picker.agent.get(`/warehouse/manifest/${booked.carrier}/manifest.pdf`).buffer(true).parse(binary);
  expect(manifestPdf.headers['content-type']).toBe('application/pdf');
  const manifestText = (await readPdf(manifestPdf.body as Buffer)).text;
  expect(manifestText).toContain(booked.tracking_no);
  expect(manifestText).toMatch(/Parcels: \d+/);
  expect(manifestText).toContain('Courier signature');
  expect(await h.db('audit_log').where({ action: 'document.manifest', subject: `carrier:${booked.carrier}` })).toHaveLength(1);

  // Every scan, refusal, pack and hand-over is in the audit log, with who.
  const audit = await h.db('audit_log').where({ order_no: no }).orderBy('id');
  const actions = audit.map((a) => a.action);
  expect(actions.filter((a) => a === 'station.scan')).toHaveLength(7);
  expect(actions).toEqual(expect.arrayContaining(['station.picked', 'station.pack_refused', 'station.packed', 'station.handed_over', 'document.packing_slip', 'document.product_labels']));
  expect(audit.every((a) => a.actor === 'picker.wu')).toBe(true);
  const refusedScan = audit.find((a) => a.action === 'station.scan' && JSON.parse(a.data_json).result.reason === 'not_on_list');
  expect(refusedScan).toBeTruthy();
  expect((await h.db('audit_log').where({ action: 'station.handover_refused', subject: 'waybill:NOPE123' })).length).toBe(1);
});

test('a picker reports a damaged unit with a photo; a spare takes its place', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 2, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  await atStation(no, 'pick');
  const damage = (photo: Buffer | null, csrf: 'field' | 'url' | 'none' = 'field') => {
    const url = `/warehouse/pick/${no}/damage${csrf === 'url' ? `?_csrf=${encodeURIComponent(picker.csrfToken)}` : ''}`;
    const req = picker.agent.post(url).field('sku', 'BB-DIMOO-FOREST');
    if (csrf === 'field') req.field('_csrf', picker.csrfToken);
    return photo ? req.attach('photo', photo, 'damage.png') : req;
  };
  // The CSRF token is a form field, checked right after the upload is parsed: in the URL, or missing, it is refused and nothing is kept.
  const damageDir = path.join(h.settings.dataDir, 'damage');
  const photos = () => (fs.existsSync(damageDir) ? fs.readdirSync(damageDir).sort() : []);
  const photosBefore = photos();
  for (const csrf of ['url', 'none'] as const) {
    const refused = await damage(makePng(), csrf);
    expect([csrf, refused.status, plain(refused.text).includes('This form has expired')]).toEqual([csrf, 403, true]);
  }
  expect(await h.db('pick_damage').where({ order_no: no })).toHaveLength(0);
  expect(photos()).toEqual(photosBefore);
  expect(plain((await damage(null)).text)).toContain('a photo of the damage (JPEG, PNG or WebP) is required');
  expect(plain((await damage(Buffer.from('not an image'))).text)).toContain('a photo of the damage (JPEG, PNG or WebP) is required');
  const ok = await damage(makePng());
  expect(plain(ok.text)).toContain('Damage recorded with its photo');
  expect(plain(ok.text)).toContain('Reported damaged: BB-DIMOO-FOREST');
  const [report] = await h.db('pick_damage').where({ order_no: no });
  expect(report).toMatchObject({ sku: 'BB-DIMOO-FOREST', reported_by: 'picker.wu' });
  expect(fs.readFileSync(path.join(h.settings.dataDir, 'damage', report.photo_path))).toEqual(makePng()); // (the harness's data directory: the test run's)

  for (let i = 0; i < 2; i++) await picker.post(`/warehouse/pick/${no}/scan`, { code: barcodeForSku('BB-DIMOO-FOREST') });
  await atStation(no, 'pack');
  const inspection = await h.db('order_events').where({ order_no: no, type: 'inspection' }).first();
  expect(JSON.parse(inspection.data_json)).toMatchObject({ outcome: { replaced: [{ sku: 'BB-DIMOO-FOREST' }], unresolved: [] }, photos: [{ sku: 'BB-DIMOO-FOREST', photo: report.photo_path }] });
  expect((await h.db('pick_damage').where({ id: report.id }).first()).reported_to_order_at).toBeTruthy();
  expect((await h.db('audit_log').where({ order_no: no, action: 'station.damage' })).length).toBe(1);
  expect((await h.db('audit_log').where({ order_no: no, action: 'station.damage_refused' })).length).toBe(2);
  expect((await h.api().post(`/api/orders/${no}/cancel`).send({ reason: 'test done', requestedBy: 'cs.li' })).status).toBe(200);
  expect((await orderResult(h, no)).status).toBe('cancelled');
});

test('a whole case (端盒) counts all its units at once after its seal check; a broken seal is reported like damage', async () => {
  const order = sampleOrder({
    lines: [
      { sku: 'BB-MOLLY-SPACE', quantity: 13, unitPrice: 69 },
      { sku: 'BB-MOLLY-SPACE-CASE', quantity: 1, unitPrice: 828 },
    ],
  });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  await atStation(no, 'pick');
  // The case has its own barcode in the catalog (GTIN-14 of the unit's EAN-13).
  const molly = await h.db('catalog_items').where({ sku: 'BB-MOLLY-SPACE' }).first();
  expect(molly.case_units).toBe(12);
  expect(molly.case_barcode).toBe(caseBarcodeFor(molly.barcode));
  const scan = (code: string, extra: Record<string, string> = {}) => picker.post(`/warehouse/pick/${no}/scan`, { code, ...extra });
  const counts = async () => Object.fromEntries((await h.db('pick_scans').where({ order_no: no })).map((r) => [r.sku, Number(r.scanned)]));

  // Scanned, the case asks for its seal first, and counts nothing yet; the "intact" button has the focus.
  const asked = await scan(molly.case_barcode);
  expect(plain(asked.text)).toContain('Whole case of 12 BB-MOLLY-SPACE: is the seal intact?');
  expect(asked.text).toMatch(/id="seal-intact" autofocus/);
  expect(await counts()).toEqual({});
  // Seal intact: 12 units at once.
  const counted = await scan(molly.case_barcode, { seal: 'intact' });
  expect(plain(counted.text)).toContain('✓ Whole case of 12 BB-MOLLY-SPACE: 12 of 13');
  expect(await counts()).toEqual({ 'BB-MOLLY-SPACE': 12 });
  // A second case would be 24 of 13: refused, nothing counted, even with the seal confirmed.
  const tooMany = await scan(molly.case_barcode, { seal: 'intact' });
  expect(plain(tooMany.text)).toMatch(/✗ The case holds 12; .* scan single units/);
  expect(tooMany.text).toContain('data-beep="error"');
  expect(plain((await scan(barcodeForSku('BB-MOLLY-SPACE'))).text)).toContain('✓ BB-MOLLY-SPACE: 13 of 13');

  // An item sold as a sealed whole case asks for the seal check on its own code; this one is broken.
  const caseItem = await h.db('catalog_items').where({ sku: 'BB-MOLLY-SPACE-CASE' }).first();
  expect(plain((await scan(caseItem.barcode)).text)).toContain('is the seal intact?');
  const broken = (photo: Buffer | null) => {
    const req = picker.agent.post(`/warehouse/pick/${no}/seal-broken`).field('_csrf', picker.csrfToken).field('code', caseItem.barcode);
    return photo ? req.attach('photo', photo, 'seal.png') : req;
  };
  const noPhoto = await broken(null);
  expect(plain(noPhoto.text)).toContain('✗ Refused: a photo of the broken seal (JPEG, PNG or WebP) is required');
  expect((await counts())['BB-MOLLY-SPACE-CASE']).toBeUndefined();
  const reported = await broken(makePng());
  expect(plain(reported.text)).toContain('Broken seal recorded with its photo');
  // The last unit counted: the pick goes to the workflow with the case as damaged, and a spare replaces it (P1.4).
  expect(plain(reported.text)).toContain('All units picked and checked');
  expect(await counts()).toEqual({ 'BB-MOLLY-SPACE': 13, 'BB-MOLLY-SPACE-CASE': 1 });
  const [damage] = await h.db('pick_damage').where({ order_no: no });
  expect(damage).toMatchObject({ sku: 'BB-MOLLY-SPACE-CASE', reported_by: 'picker.wu' });
  expect(fs.existsSync(path.join(h.settings.dataDir, 'damage', damage.photo_path))).toBe(true);
  await atStation(no, 'pack');
  const inspection = await h.db('order_events').where({ order_no: no, type: 'inspection' }).first();
  expect(JSON.parse(inspection.data_json)).toMatchObject({ outcome: { replaced: [{ sku: 'BB-MOLLY-SPACE-CASE' }], unresolved: [] } });
  const audit = await h.db('audit_log').where({ order_no: no }).orderBy('id');
  expect(audit.filter((a) => a.action === 'station.seal_broken')).toHaveLength(1);
  expect(audit.filter((a) => a.action === 'station.seal_refused')).toHaveLength(1);
  expect(audit.filter((a) => a.action === 'station.scan').map((a) => JSON.parse(a.data_json).result.reason ?? 'ok')).toEqual(['seal_check', 'ok', 'case_too_many', 'ok', 'seal_check']);
  expect((await h.api().post(`/api/orders/${no}/cancel`).send({ reason: 'test done', requestedBy: 'cs.li' })).status).toBe(200);
  expect((await orderResult(h, no)).status).toBe('cancelled');
});

test('a station needs its training certificate', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await atStation(order.orderNo, 'pick');
  const rookie = await signIn(h, 'warehouse');
  await rookie.agent.get('/lang/en');
  const refused = await rookie.post(`/warehouse/pick/${order.orderNo}/scan`, { code: barcodeForSku('BB-DIMOO-FOREST') });
  expect(plain(refused.text)).toContain('✗ This station needs a valid training certificate.');
  expect((await h.db('pick_scans').where({ order_no: order.orderNo })).length).toBe(0);
  // Certified, the same scan counts (and finishes the pick).
  await certifyModule(h.db, rookie.user.id, STATION_MODULES.pick);
  expect(plain((await rookie.post(`/warehouse/pick/${order.orderNo}/scan`, { code: barcodeForSku('BB-DIMOO-FOREST') })).text)).toContain('All units picked and checked');
  await atStation(order.orderNo, 'pack');
  // Leave nothing running: cancel it (before hand-over this is still allowed).
  expect((await h.api().post(`/api/orders/${order.orderNo}/cancel`).send({ reason: 'test done', requestedBy: 'cs.li' })).status).toBe(200);
  expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
});

test('path parameters are checked before any handler: not the shape is 400, naming nothing is 404, nothing written; a real order elsewhere keeps its page', async () => {
  const order = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const no = order.orderNo;
  await atStation(no, 'pick');
  const audits = async () => Number((await h.db('audit_log').count({ n: '*' }).first())!.n);
  const claims = async () => (await h.db('wave_claims').select('wave_key')).map((r) => r.wave_key).sort();
  const [auditsBefore, claimsBefore] = [await audits(), await claims()];

  const cases: Array<[string, () => Promise<SuperResponse>, number, string]> = [
    ['GET pick, not an order number', () => picker.agent.get(`/warehouse/pick/${encodeURIComponent('<b>x</b>')}`), 400, 'That is not an order number'],
    ['GET pack, no such order', () => picker.agent.get('/warehouse/pack/NOSUCH-0001'), 404, 'There is no such order'],
    ['scan, no such order', () => picker.post('/warehouse/pick/NOSUCH-0001/scan', { code: barcodeForSku('BB-DIMOO-FOREST') }), 404, 'There is no such order'],
    ['reset, not an order number', () => picker.post(`/warehouse/pick/${encodeURIComponent("'; DROP TABLE orders; --")}/reset`, { reason: 'x' }), 400, 'That is not an order number'],
    ['pack, no such order', () => picker.post('/warehouse/pack/NOSUCH-0001', { shipmentId: 'SHP-NOSUCH-0001-1', box: 'BOX-CARTON', weightGrams: '500' }), 404, 'There is no such order'],
    ['claim, not a date', () => picker.post('/warehouse/waves/2026-02-30:SF/claim', {}), 400, 'That is not a wave key'],
    ['claim, not a carrier', () => picker.post('/warehouse/waves/2026-12-03:UPS/claim', {}), 400, 'That is not a wave key'],
    ['claim, no such wave', () => picker.post('/warehouse/waves/2000-01-01:SF/claim', {}), 404, 'There is no such wave on the floor'],
    ['release, no such wave', () => picker.post('/warehouse/waves/2000-01-01:SF/release', {}), 404, 'There is no such wave on the floor'],
    ['manifest, no such carrier', () => picker.post('/warehouse/manifest/UPS/scan', { waybillNo: 'X1' }), 404, 'not found'],
    ['label, not a PDF name', () => picker.agent.get(`/warehouse/labels/${encodeURIComponent('../x.pdf')}`), 404, 'not found'],
  ];
  for (const [what, send, status, text] of cases) {
    const res = await send();
    expect([what, res.status, plain(res.text).includes(text)]).toEqual([what, status, true]);
  }
  expect(await audits()).toBe(auditsBefore);
  expect(await claims()).toEqual(claimsBefore);

  // The order exists but is not at the pack station: its pack page says so (200), as before.
  const pack = await picker.agent.get(`/warehouse/pack/${no}`);
  expect(pack.status).toBe(200);
  expect(pack.text).toContain('class="empty"');
  // A form sent as JSON at a real order (no form body) is a scan of nothing: refused on the page, not a 500.
  const asJson = await picker.agent.post(`/warehouse/pick/${no}/scan`).set('X-CSRF-Token', picker.csrfToken).send({ code: { $gt: '' } });
  expect(asJson.status).toBe(200);
  expect(asJson.text).toContain('data-beep="error"');
  expect((await h.db('pick_scans').where({ order_no: no })).length).toBe(0);

  expect((await h.api().post(`/api/orders/${no}/cancel`).send({ reason: 'test done', requestedBy: 'cs.li' })).status).toBe(200);
  expect((await orderResult(h, no)).status).toBe('cancelled');
});
