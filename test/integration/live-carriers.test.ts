/**
 * Issue 16, the live carrier adapters on the real workflows: SF Express books through its open
 * platform and Kuaidi100 tracks, both against their stand-ins (test/standins/), which check the
 * signatures as the providers do. Payments stay sandbox. BOXFLOW_TIME_SCALE 0.001: no delay threshold
 * (SF 24 h → 86 s) falls due during a test.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import type { AddressInfo } from 'node:net';
import type { ProviderSettings } from '../../config/providers';
import { setOnHand } from '../../db/inventory';
import { createHarness, Harness, orderResult, orderStatusIs, sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { Kuaidi100StandIn, startKuaidi100StandIn } from '../standins/kuaidi100';
import { SfStandIn, sfOrderBook, startSfStandIn } from '../standins/sf-express';
import { createSfExpressCarrier } from '../../adapters/carriers/sf-express-api';
import { CarrierUnavailableError } from '../../adapters/carriers/carrier';
import { WAREHOUSE_ADDRESS } from '../../activities/shipment.activities';

let h: Harness;
let sf: SfStandIn;
let k100: Kuaidi100StandIn;
let callbacks: http.Server;
const SALT = 'boxflow-test-salt-0123456789abcdef';
/** The salt before the last change: waybills subscribed with it are still pushed with it. */
const OLD_SALT = 'boxflow-old-salt-fedcba9876543210';
/** The adapter gives SF this long to answer; a hung answer is retried by Temporal. */
const SF_TIMEOUT_MS = 1000;

beforeAll(async () => {
  sf = await startSfStandIn();
  k100 = await startKuaidi100StandIn();
  // Kuaidi100 pushes over HTTP to BoxFlow's web app: the harness's app, listening on a free port.
  callbacks = http.createServer((req, res) => h.app(req, res));
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  const providers: ProviderSettings = {
    problems: [],
    sf: { partnerId: sf.partnerId, checkWord: sf.checkWord, baseUrl: sf.url, monthlyCard: '7551234567', timeoutMs: SF_TIMEOUT_MS },
    kuaidi100: {
      key: k100.key, customer: k100.customer, salt: SALT, pushSalts: [SALT, OLD_SALT], baseUrl: k100.url, timeoutMs: 5000,
      callbackUrl: `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/api/webhooks/kuaidi100`,
    },
  };
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.001' }, providers });
  await setOnHand(h.db, 'ACC-GLASS-CASE', 500, 'live-carriers test');
});

afterAll(async () => {
  try {
    await expectLedgerHolds(h, { carrierBookings: () => sfOrderBook(sf, h.db) });
  } finally {
    await h?.close();
    await new Promise((r) => callbacks?.close(r));
    await sf?.close();
    await k100?.close();
  }
});

// Fragile goods go with SF first (P2.5): the glass case steers the carrier rule.
const sfOrder = (overrides: Parameters<typeof sampleOrder>[0] = {}) => sampleOrder({ lines: [{ sku: 'ACC-GLASS-CASE', quantity: 1, unitPrice: 299 }], ...overrides });
const eventsOf = (shipmentId: string) => h.db('tracking_events').where({ shipment_id: shipmentId }).orderBy([{ column: 'occurred_at' }, { column: 'id' }]);

/** Beijing time "yyyy-MM-dd HH:mm:ss", minutes after now (Kuaidi100's scan times). */
const bjt = (minutes: number) => new Date(Date.now() + 8 * 3600_000 + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');

test('SF books the parcel (our shipment id as orderId); Kuaidi100 pushes take it to delivered', async () => {
  const order = sfOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const { status, trackingNumbers } = await orderResult(h, order.orderNo);
  expect(status).toBe('shipped');
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  expect(shipment).toMatchObject({ carrier: 'SF', tracking_no: trackingNumbers[0] });
  // SF took one order under the shipment's id, signed (the stand-in answers A1006 otherwise) and issued this waybill.
  expect(sf.orders.get(shipment.id)).toMatchObject({ waybillNo: shipment.tracking_no, status: 'created' });
  expect((sf.orders.get(shipment.id)!.msgData as { monthlyCard?: string }).monthlyCard).toBe('7551234567');

  // The tracking workflow subscribes the waybill with Kuaidi100, with BoxFlow's callback and salt.
  const nu = shipment.tracking_no as string;
  await waitFor(`${nu} subscribed with Kuaidi100`, async () => k100.subscriptions.get(nu));
  expect(k100.subscriptions.get(nu)).toMatchObject({ company: 'shunfeng', salt: SALT });

  const journey: Array<[string, string, string?]> = [['1', '顺丰速运 已收取快件'], ['0', '快件在【上海转运中心】完成分拣'], ['5', '快件交给派件员，正在派送途中'], ['3', '快件已签收，签收人：本人', '301']];
  for (const [i, [state, context, statusCode]] of journey.entries()) {
    k100.scan(nu, { time: bjt(i - journey.length), context, state, statusCode, areaName: '上海' });
    const answer = await k100.push(nu);
    expect(answer).toEqual({ status: 200, body: { result: true, returnCode: '200', message: '成功' } });
    // Stored before the answer: every scan so far is in tracking_events now (once, though each push resends the history).
    expect(await eventsOf(shipment.id)).toHaveLength(i + 1);
  }
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const events = await eventsOf(shipment.id);
  expect(events.map((e) => e.status)).toEqual(['info_received', 'in_transit', 'out_for_delivery', 'delivered']);
  expect(events.map((e) => e.raw_status)).toEqual(['揽收', '在途', '派件', '签收']);
  // (The workflow's poll of query.do may fetch a scan between its scan and its push; most come by push.)
  expect(events.filter((e) => e.received_via === 'webhook').length).toBeGreaterThan(0);
  expect((await h.db('shipments').where({ id: shipment.id }).first()).status).toBe('delivered');
  // A push resent after delivery stores nothing new and is still answered success (Kuaidi100 stops resending).
  expect((await k100.push(nu)).body).toMatchObject({ result: true });
  expect(await eventsOf(shipment.id)).toHaveLength(4);
});

test('a booking whose answer never arrives is retried and gets the same waybill (SF 8016 → order lookup)', async () => {
  sf.hangNext(1, SF_TIMEOUT_MS * 3);
  const order = sfOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  const calls = sf.calls.filter((c) => c.orderId === shipment.id).map((c) => `${c.serviceCode}:${c.errorCode ?? c.apiResultCode}`);
  // The first create was taken but its answer lost; the retry was refused as a duplicate and the order looked up.
  expect(calls.slice(0, 3)).toEqual(['EXP_RECE_CREATE_ORDER:A1000', 'EXP_RECE_CREATE_ORDER:8016', 'EXP_RECE_SEARCH_ORDER_RESP:A1000']);
  expect([...sf.orders.values()].filter((o) => o.orderId === shipment.id)).toHaveLength(1);
  expect(shipment).toMatchObject({ carrier: 'SF', tracking_no: sf.orders.get(shipment.id)!.waybillNo });
});

test('SF rejects the destination (20036): the next carrier books it (P2.4)', async () => {
  sf.unserviceable.add('日喀则');
  const order = sfOrder({ shippingAddress: { name: '次仁', phone: '13900139000', line1: '桑珠孜区 1 号', city: '日喀则', province: '西藏', postalCode: '857000', country: 'CN' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  expect(shipment.carrier).toBe('YTO');
  const calls = sf.calls.filter((c) => c.orderId === shipment.id).map((c) => `${c.serviceCode}:${c.errorCode ?? c.apiResultCode}`);
  expect(calls.filter((c) => c.startsWith('EXP_RECE_CREATE_ORDER'))).toEqual(['EXP_RECE_CREATE_ORDER:20036']);
  // SF answered "no": it holds no booking, so nothing is voided there before the next carrier (the
  // void is for a carrier whose answer never came: order-happy-path, vanish_once).
  expect(calls.filter((c) => !c.startsWith('EXP_RECE_CREATE_ORDER'))).toEqual([]);
  expect(sf.orders.has(shipment.id)).toBe(false);
  const notes = await h.db('order_events').where({ order_no: order.orderNo, type: 'carrier_rejected' });
  expect(notes.map((n) => n.detail).join(' ')).toMatch(/SF 20036/);
});

/** An SF order placed, shipped, and its waybill subscribed with Kuaidi100 by the tracking workflow. */
async function shippedWithSfAndSubscribed() {
  const order = sfOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  const nu = shipment.tracking_no as string;
  await waitFor(`${nu} subscribed with Kuaidi100`, async () => k100.subscriptions.get(nu));
  return { order, shipment, nu };
}

test('a Kuaidi100 push with a bad sign, or a changed param, is refused with nothing written', async () => {
  const { order, shipment, nu } = await shippedWithSfAndSubscribed();
  const before = await eventsOf(shipment.id);
  k100.scan(nu, { time: bjt(-5), context: '快件已签收', state: '3' });

  const wrongSalt = await k100.push(nu, { salt: 'not-the-shops-salt' });
  expect(wrongSalt.status).toBe(401);
  expect(wrongSalt.body).toMatchObject({ result: false });
  // Signed as Kuaidi100 would, then changed on the way (the parcel "delivered" somewhere else).
  const changed = await k100.push(nu, { tamper: (p) => p.replace('快件已签收', '快件已签收（代收点）') });
  expect(changed.status).toBe(401);
  expect(await eventsOf(shipment.id)).toEqual(before);
  expect((await h.db('shipments').where({ id: shipment.id }).first()).status).not.toBe('delivered');

  // The same push, properly signed, is taken (the refusals were about the sign); during a salt
  // change a push signed with the previous salt is taken too.
  expect((await k100.push(nu, { salt: OLD_SALT })).status).toBe(200);
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
});

test('the SF adapter against the stand-in: cancel (dealType 2) is idempotent; a wrong check word is "try again" (A1006)', async () => {
  const settings = { partnerId: sf.partnerId, checkWord: sf.checkWord, baseUrl: sf.url, monthlyCard: undefined, timeoutMs: SF_TIMEOUT_MS };
  const adapter = createSfExpressCarrier(settings);
  const req = {
    idempotencyKey: 'DIRECT-1-P1', orderNo: 'DIRECT-1', shipmentId: 'DIRECT-1-P1', sender: WAREHOUSE_ADDRESS, recipient: sampleOrder().shippingAddress,
    weightGrams: 800, volumeCm3: 2000, declaredValue: 99, currency: 'CNY', pickupWindow: { earliest: new Date().toISOString(), latest: new Date(Date.now() + 3 * 3600_000).toISOString() },
  };
  const first = await adapter.book(req);
  expect(first).toMatchObject({ accepted: true, pickupConfirmed: true });
  expect(sf.orders.get('DIRECT-1-P1')!.msgData).toMatchObject({ isDocall: 1, orderId: 'DIRECT-1-P1' });
  expect(await adapter.book(req)).toMatchObject({ accepted: true, waybillNo: (first as { waybillNo: string }).waybillNo });
  await adapter.cancel('DIRECT-1-P1');
  expect(sf.orders.get('DIRECT-1-P1')!.status).toBe('cancelled');
  await adapter.cancel('DIRECT-1-P1'); // 8037 already cancelled: done
  await adapter.cancel('NEVER-BOOKED'); // 6150 no such order: nothing to cancel
  sf.orders.delete('DIRECT-1-P1'); // (not BoxFlow's shipment: kept out of the ledger)

  const wrong = createSfExpressCarrier({ ...settings, checkWord: `${sf.checkWord}x` });
  await expect(wrong.book({ ...req, idempotencyKey: 'DIRECT-2-P1' })).rejects.toThrow(CarrierUnavailableError);
  expect(sf.calls[sf.calls.length - 1]).toMatchObject({ apiResultCode: 'A1006' });
  expect(sf.orders.has('DIRECT-2-P1')).toBe(false);
});

test('signed but hostile Kuaidi100 pushes get a 4xx with a clear message and write nothing', async () => {
  const signed = (param: string) => ({ param, sign: crypto.createHash('md5').update(param + SALT).digest('hex').toUpperCase() });
  const post = (form: Record<string, string>) => request(h.app).post('/api/webhooks/kuaidi100').type('form').send(form);
  const count = async () => Number((await h.db('tracking_events').count({ n: '*' }))[0].n);
  const before = await count();
  const cases: Array<[string, Record<string, string>, number]> = [
    ['no sign', { param: '{}' }, 401],
    ['sign not hex', { param: '{}', sign: 'x'.repeat(32) }, 401],
    ['not JSON', signed('{"lastResult":'), 400],
    ['JSON null', signed('null'), 400],
    ['lastResult a string', signed('{"lastResult":"SF1"}'), 400],
    ['nu a number', signed('{"lastResult":{"nu":1,"com":"shunfeng"}}'), 400],
    ['nu too long', signed(JSON.stringify({ lastResult: { nu: 'S'.repeat(65), com: 'shunfeng' } })), 400],
    ['data not a list', signed('{"lastResult":{"nu":"SF1","com":"shunfeng","data":{"0":1}}}'), 400],
    ['unknown company', signed('{"lastResult":{"nu":"SF1","com":"<script>","data":[]}}'), 400],
    ['unknown waybill', signed(JSON.stringify({ lastResult: { nu: "SF1' OR 1=1 --", com: 'shunfeng', state: '3', data: [{ time: '2026-01-01 00:00:00', context: 'x' }] } })), 404],
  ];
  for (const [what, form, status] of cases) {
    const res = await post(form);
    expect({ what, status: res.status }).toEqual({ what, status });
    expect(res.body).toMatchObject({ result: false, error: expect.any(String), message: expect.any(String) });
  }
  expect(await count()).toBe(before);

  // A real waybill with garbage scans: the garbage is skipped, the answer still success.
  const [shipment] = await h.db('shipments').where({ carrier: 'SF' }).whereNotNull('tracking_no').orderBy('id').limit(1);
  const garbage = await post(signed(JSON.stringify({ lastResult: { nu: shipment.tracking_no, com: 'shunfeng', state: 3, data: [null, 7, { time: 12, context: {} }, { time: 'soon', context: 'x' }] } })));
  expect(garbage.status).toBe(200);
  expect(await count()).toBe(before);
});

test('without pushes, the poll of Kuaidi100\'s real-time query (signed with key and customer) takes the parcel to delivered', async () => {
  const { order, shipment, nu } = await shippedWithSfAndSubscribed();
  k100.scan(nu, { time: bjt(-30), context: '顺丰速运 已收取快件', state: '1' });
  k100.scan(nu, { time: bjt(-10), context: '快件已放入丰巢柜', state: '5', statusCode: '501' });
  k100.scan(nu, { time: bjt(-1), context: '快件已签收', state: '3' });
  // No push: the workflow's next poll (about 15 s at this time scale) reads them.
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const events = await eventsOf(shipment.id);
  expect(events.map((e) => [e.status, e.received_via])).toEqual([['info_received', 'poll'], ['available_for_pickup', 'poll'], ['delivered', 'poll']]);
  // Every query the stand-in answered had a valid sign (a bad one is answered 503).
  expect(k100.calls.filter((c) => c.path === '/poll/query.do' && c.returnCode === '503')).toEqual([]);
}, 90_000);
