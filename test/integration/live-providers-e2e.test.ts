/**
 * Issue 16, "done when": BOXFLOW_SANDBOX=0 with the three real providers configured runs an order end
 * to end against the stand-ins, through a real Temporal worker and the real app over HTTP:
 *
 *   order → Alipay trade.query pending → Alipay's signed notification → paid → SF books the parcel
 *   (our shipment id as orderId) → Kuaidi100 subscription → Kuaidi100's signed pushes → delivered
 *
 * Nothing here is a sandbox: the worker runs live (it would refuse to start without all three), so
 * payments go through alipay-sdk to test/standins/alipay.ts, booking through the SF open-platform
 * client to test/standins/sf-express.ts, tracking through the Kuaidi100 client to
 * test/standins/kuaidi100.ts; Alipay and Kuaidi100 call back the app's own routes over HTTP.
 * The ledger at the end is checked against the stand-ins' books (Alipay's trades, SF's orders).
 *
 * BOXFLOW_TIME_SCALE 0.05: the payment deadline (30 min → 90 s) and SF's delay threshold (24 h → 72 min)
 * do not fall due during the test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderSettings } from '../../config/providers';
import { setOnHand } from '../../db/inventory';
import { createHarness, Harness, orderStatusIs, sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { AlipayStandIn, startAlipayStandIn } from '../standins/alipay';
import { Kuaidi100StandIn, startKuaidi100StandIn } from '../standins/kuaidi100';
import { SfStandIn, sfOrderBook, startSfStandIn } from '../standins/sf-express';

let h: Harness;
let alipay: AlipayStandIn;
let sf: SfStandIn;
let k100: Kuaidi100StandIn;
let server: http.Server;
let base: string;
const SALT = 'boxflow-e2e-salt-0123456789abcdef';

beforeAll(async () => {
  alipay = await startAlipayStandIn();
  sf = await startSfStandIn();
  k100 = await startKuaidi100StandIn();
  // Alipay and Kuaidi100 call BoxFlow's web app: the harness's app, listening on a free port.
  server = http.createServer((req, res) => h.app(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const providers: ProviderSettings = {
    problems: [],
    alipay: alipay.settings(),
    sf: { partnerId: sf.partnerId, checkWord: sf.checkWord, baseUrl: sf.url, monthlyCard: undefined, timeoutMs: 2000 },
    kuaidi100: { key: k100.key, customer: k100.customer, salt: SALT, pushSalts: [SALT], callbackUrl: `${base}/api/webhooks/kuaidi100`, baseUrl: k100.url, timeoutMs: 2000 },
  };
  h = await createHarness({ env: { BOXFLOW_SANDBOX: '0', BOXFLOW_TIME_SCALE: '0.05' }, providers });
  await setOnHand(h.db, 'ACC-GLASS-CASE', 50, 'live-providers e2e');
});

afterAll(async () => {
  try {
    await expectLedgerHolds(h, { providerPayments: () => alipay.ledger(), carrierBookings: () => sfOrderBook(sf, h.db) });
  } finally {
    await h?.close();
    await new Promise((r) => server?.close(r));
    await alipay?.close();
    await sf?.close();
    await k100?.close();
  }
});

/** Beijing time "yyyy-MM-dd HH:mm:ss", minutes after now (Kuaidi100's scan times). */
const bjt = (minutes: number) => new Date(Date.now() + 8 * 3600_000 + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');

test('BOXFLOW_SANDBOX=0: order → Alipay pending → signed notification → paid → SF booking → Kuaidi100 pushes → delivered', async () => {
  expect(h.settings.sandbox).toBe(false);
  // The storefront created the Alipay trade (out_trade_no = order number), then the order came in.
  // Fragile goods go with SF first (P2.5).
  const order = sampleOrder({ lines: [{ sku: 'ACC-GLASS-CASE', quantity: 1, unitPrice: 299 }], payment: { method: 'alipay', token: 'alipay' } });
  alipay.createTrade(order.orderNo, 299);
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);

  // Alipay: trade.query says WAIT_BUYER_PAY → a pending charge, the order waits for the payment.
  const charge = await waitFor(`a pending Alipay charge on ${order.orderNo}`, async () => {
    const row = await h.db('payments').where({ order_no: order.orderNo, kind: 'charge' }).first();
    return row?.status === 'pending' ? row : undefined;
  });
  expect(charge).toMatchObject({ provider_ref: order.orderNo });
  expect(Number(charge.amount)).toBe(299);
  expect(alipay.calls).toContainEqual({ method: 'alipay.trade.query', biz: { out_trade_no: order.orderNo }, code: '10000' });
  await orderStatusIs(h, order.orderNo, 'awaiting_payment');
  expect(sf.orders.size).toBe(0);

  // The buyer pays; Alipay's signed notification reaches the app's route and is answered success.
  alipay.buyerPays(order.orderNo);
  const fields = alipay.notification(order.orderNo);
  expect(await alipay.push(`${base}/api/webhooks/alipay`, fields)).toEqual({ status: 200, body: 'success' });
  expect(await h.db('webhook_events').where({ provider: 'alipay', event_id: fields.notify_id }).first()).toBeDefined();

  // Paid → SF books the parcel under our shipment id, signed with the check word (A1006 otherwise).
  await orderStatusIs(h, order.orderNo, 'shipped', 120_000);
  expect((await h.db('payments').where({ order_no: order.orderNo, kind: 'charge' }).first()).status).toBe('succeeded');
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  expect(shipment.carrier).toBe('SF');
  expect(sf.orders.get(shipment.id)).toMatchObject({ orderId: shipment.id, waybillNo: shipment.tracking_no, status: 'created' });
  expect(sf.calls.filter((c) => c.orderId === shipment.id).map((c) => `${c.serviceCode}:${c.errorCode ?? c.apiResultCode}`)).toEqual(['EXP_RECE_CREATE_ORDER:A1000']);

  // The tracking workflow subscribes the waybill with Kuaidi100 (BoxFlow's callback, the salt).
  const nu = shipment.tracking_no as string;
  await waitFor(`${nu} subscribed with Kuaidi100`, async () => k100.subscriptions.get(nu));
  expect(k100.subscriptions.get(nu)).toEqual({ company: 'shunfeng', callbackurl: `${base}/api/webhooks/kuaidi100`, salt: SALT });

  // Kuaidi100 pushes the parcel's journey, each push signed with the salt.
  const journey: Array<[string, string]> = [['1', '顺丰速运 已收取快件'], ['0', '快件在【上海转运中心】完成分拣'], ['5', '快件交给派件员，正在派送途中'], ['3', '快件已签收，签收人：本人']];
  for (const [i, [state, context]] of journey.entries()) {
    k100.scan(nu, { time: bjt(i - journey.length), context, state, areaName: '上海' });
    expect(await k100.push(nu)).toEqual({ status: 200, body: { result: true, returnCode: '200', message: '成功' } });
  }
  await orderStatusIs(h, order.orderNo, 'delivered', 60_000);
  const events = await h.db('tracking_events').where({ shipment_id: shipment.id }).orderBy([{ column: 'occurred_at' }, { column: 'id' }]);
  expect(events.map((e) => e.status)).toEqual(['info_received', 'in_transit', 'out_for_delivery', 'delivered']);
  expect((await h.db('shipments').where({ id: shipment.id }).first()).status).toBe('delivered');

  // The money: Alipay's trade is paid once, for the order's total, and nothing was refunded.
  expect(alipay.trade(order.orderNo)).toMatchObject({ status: 'TRADE_SUCCESS', totalCents: 29_900 });
  expect(alipay.calls.filter((c) => c.method === 'alipay.trade.refund')).toEqual([]);
});
