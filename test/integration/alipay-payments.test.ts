/**
 * Issue 16 item 1: orders paid with Alipay, end to end through a real worker and the real app, the
 * Alipay adapter (alipay-sdk) talking to the gateway stand-in (test/standins/alipay.ts) over HTTP,
 * and the stand-in pushing its signed asynchronous notifications to the app's POST
 * /api/webhooks/alipay over HTTP. Warehouse in `stations` mode: a paid order waits at picking for a
 * person, which holds it where a cancellation refunds it.
 *
 * - order → trade.query pending → notification → paid
 * - a notification with a bad signature, or validly signed for another amount, is refused and
 *   nothing is written (no signal, no webhook_events row, no payment change)
 * - a refund whose first answer comes after the SDK's timeout is retried and refunds once
 * - cancelling an order whose trade is unpaid closes the trade (alipay.trade.close)
 * The money ledger is checked against the stand-in's books.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { countWebhookEvents } from '../../db/webhook-events';
import { createHarness, Harness, orderStatusIs, sampleOrder, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { AlipayStandIn, startAlipayStandIn } from '../standins/alipay';

let h: Harness;
let alipay: AlipayStandIn;
let server: http.Server;
let notifyUrl: string;

beforeAll(async () => {
  alipay = await startAlipayStandIn();
  // 1 s per gateway call: the delayed answer below (2.5 s) is past it, so the outcome is unknown.
  h = await createHarness({ env: { BOXFLOW_WAREHOUSE: 'stations' }, providers: { alipay: alipay.settings({ timeoutMs: 1000 }), problems: [] } });
  server = http.createServer(h.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/alipay`;
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h, { providerPayments: () => alipay.ledger() });
  } finally {
    await new Promise((r) => server?.close(r));
    await h?.close();
    await alipay?.close();
  }
});

/** The storefront created the Alipay trade (out_trade_no = order number), then the order came in. */
async function placeOrder(opts: { paid?: boolean } = {}) {
  const order = sampleOrder({ payment: { method: 'alipay', token: 'alipay' } });
  alipay.createTrade(order.orderNo, 138);
  if (opts.paid) alipay.buyerPays(order.orderNo);
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  return order.orderNo;
}

async function pendingCharge(orderNo: string) {
  return waitFor(`a pending Alipay charge on ${orderNo}`, async () => {
    const row = await h.db('payments').where({ order_no: orderNo, kind: 'charge' }).first();
    return row?.status === 'pending' ? row : undefined;
  });
}

async function fingerprint(orderNo: string) {
  const history = await workflowHandle(h, orderNo).fetchHistory();
  const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
  return { signals, events: await countWebhookEvents(h.db, 'alipay'), payments: await h.db('payments').where({ order_no: orderNo }).select('status', 'provider_ref', 'amount') };
}

test('order → trade.query pending → Alipay notification → paid', async () => {
  const orderNo = await placeOrder();
  const charge = await pendingCharge(orderNo);
  expect(charge.provider_ref).toBe(orderNo);
  expect(alipay.calls).toContainEqual({ method: 'alipay.trade.query', biz: { out_trade_no: orderNo }, code: '10000' });
  await orderStatusIs(h, orderNo, 'awaiting_payment');

  alipay.buyerPays(orderNo);
  const fields = alipay.notification(orderNo);
  expect(await alipay.push(notifyUrl, fields)).toEqual({ status: 200, body: 'success' });
  await orderStatusIs(h, orderNo, 'picking');
  expect((await h.db('payments').where({ order_no: orderNo, kind: 'charge' }).first()).status).toBe('succeeded');
  expect(await h.db('webhook_events').where({ provider: 'alipay', event_id: fields.notify_id }).first()).toBeDefined();
  // Alipay sends again (our success lost, or TRADE_FINISHED later): still success, nothing changes.
  expect(await alipay.push(notifyUrl, fields)).toEqual({ status: 200, body: 'success' });
});

test('a bad signature or a changed amount is refused, nothing written; the genuine one then pays', async () => {
  const orderNo = await placeOrder();
  await pendingCharge(orderNo);
  await orderStatusIs(h, orderNo, 'awaiting_payment');
  alipay.buyerPays(orderNo);
  const before = await fingerprint(orderNo);

  const tampered = await alipay.push(notifyUrl, alipay.notification(orderNo, { changes: { total_amount: '1.38' } }));
  expect(tampered).toEqual({ status: 401, body: 'fail' });
  const { sign: _s, ...unsigned } = alipay.notification(orderNo);
  expect(await alipay.push(notifyUrl, unsigned)).toEqual({ status: 401, body: 'fail' });
  // Signed by "Alipay" but for another sum than the charge BoxFlow recorded.
  const otherAmount = await alipay.push(notifyUrl, alipay.notification(orderNo, { changes: { total_amount: '137.99' }, signAfter: true }));
  expect(otherAmount).toEqual({ status: 409, body: 'fail' });
  // For another app.
  expect((await alipay.push(notifyUrl, alipay.notification(orderNo, { changes: { app_id: '2021000000000999' }, signAfter: true }))).status).toBe(401);
  expect(await fingerprint(orderNo)).toEqual(before);
  expect((await h.db('orders').where({ order_no: orderNo }).first()).status).toBe('awaiting_payment');

  expect(await alipay.push(notifyUrl, alipay.notification(orderNo))).toEqual({ status: 200, body: 'success' });
  await orderStatusIs(h, orderNo, 'picking');
});

test('a refund whose first answer comes too late is retried with the same out_request_no and refunds once', async () => {
  const orderNo = await placeOrder({ paid: true });
  await orderStatusIs(h, orderNo, 'picking');
  alipay.delayNext('alipay.trade.refund', 2500);
  const res = await h.api().post(`/api/orders/${orderNo}/cancel`).send({ reason: 'the customer changed their mind', requestedBy: 'cs.li' });
  expect(res.status).toBeLessThan(300);
  await orderStatusIs(h, orderNo, 'cancelled');
  const refunds = await waitFor('the refund recorded', async () => {
    const rows = await h.db('payments').where({ order_no: orderNo, kind: 'refund' });
    return rows.length && rows.every((r) => r.status !== 'pending') ? rows : undefined;
  });
  expect(refunds.map((r) => [r.status, Number(r.amount)])).toEqual([['succeeded', 138]]);
  const sent = alipay.calls.filter((c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === orderNo);
  expect(sent.length).toBeGreaterThanOrEqual(2);
  expect(new Set(sent.map((c) => c.biz.out_request_no)).size).toBe(1);
  expect(sent.every((c) => c.code === '10000')).toBe(true);
  expect(alipay.ledger().filter((x) => x.orderNo === orderNo && x.kind === 'refund')).toEqual([{ orderNo, kind: 'refund', status: 'succeeded', amount: 138 }]);
  expect(alipay.trade(orderNo)?.status).toBe('TRADE_CLOSED');
});

test('cancelling an order whose trade is unpaid closes the trade (alipay.trade.close)', async () => {
  const orderNo = await placeOrder();
  await pendingCharge(orderNo);
  await orderStatusIs(h, orderNo, 'awaiting_payment');
  const res = await h.api().post(`/api/orders/${orderNo}/cancel`).send({ reason: 'never paid', requestedBy: 'cs.li' });
  expect(res.status).toBeLessThan(300);
  await orderStatusIs(h, orderNo, 'cancelled');
  await waitFor('the charge voided', async () => (await h.db('payments').where({ order_no: orderNo, kind: 'charge' }).first())?.status === 'voided');
  expect(alipay.calls).toContainEqual({ method: 'alipay.trade.close', biz: { out_trade_no: orderNo }, code: '10000' });
  expect(alipay.trade(orderNo)?.status).toBe('TRADE_CLOSED');
  expect(alipay.calls.some((c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === orderNo)).toBe(false);
  // Alipay then reports the closed trade: acknowledged, nothing to hand over.
  expect(await alipay.push(notifyUrl, alipay.notification(orderNo))).toEqual({ status: 200, body: 'success' });
});

test('closed before the QR code was scanned (ACQ.TRADE_NOT_EXIST), paid afterwards: the late payment is refunded', async () => {
  // The storefront's QR code exists, Alipay's trade not yet: it is created when the buyer scans.
  const order = sampleOrder({ payment: { method: 'alipay', token: 'alipay' } });
  const orderNo = order.orderNo;
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await pendingCharge(orderNo);
  await orderStatusIs(h, orderNo, 'awaiting_payment');
  expect((await h.api().post(`/api/orders/${orderNo}/cancel`).send({ reason: 'never paid', requestedBy: 'cs.li' })).status).toBeLessThan(300);
  await orderStatusIs(h, orderNo, 'cancelled');
  await waitFor('the charge voided', async () => (await h.db('payments').where({ order_no: orderNo, kind: 'charge' }).first())?.status === 'voided');
  expect(alipay.calls).toContainEqual({ method: 'alipay.trade.close', biz: { out_trade_no: orderNo }, code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });

  alipay.createTrade(orderNo, 138);
  alipay.buyerPays(orderNo);
  expect(await alipay.push(notifyUrl, alipay.notification(orderNo))).toEqual({ status: 200, body: 'success' });
  await waitFor('the late payment refunded', async () => (await h.db('payments').where({ order_no: orderNo, kind: 'refund', status: 'succeeded' }).first()) ?? undefined);
  expect((await h.db('payments').where({ order_no: orderNo, kind: 'charge' }).first()).status).toBe('succeeded');
  expect(alipay.ledger().filter((x) => x.orderNo === orderNo)).toEqual([
    { orderNo, kind: 'charge', status: 'succeeded', amount: 138 },
    { orderNo, kind: 'refund', status: 'succeeded', amount: 138 },
  ]);
});
