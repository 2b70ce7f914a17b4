/**
 * POST /api/webhooks/payment: signed by the payment provider (Standard Webhooks, its own secret, not
 * the API key), checked against the stored charge, strict validation, 404 for unknown orders, the
 * signal reaching the order's workflow, and 409 once the workflow has closed. A refused message
 * writes nothing: no signal, no replay row, no payment change. No worker runs here, so nothing
 * depends on what the order workflow does with the signal (its own tests cover that).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import request from 'supertest';
import { insertOrder } from '../../db/orders';
import { chargeKeyFor, recordCharge } from '../../db/payments';
import { dbTime } from '../../db/time';
import { countWebhookEvents } from '../../db/webhook-events';
import { generateWebhookSecret, signWebhook } from '../../adapters/webhooks/standard-webhooks';
import { API_KEY, createHarness, Harness, sampleOrder, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { signedPost, TEST_WEBHOOK_SECRETS } from '../support/webhooks';

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

const PATH = '/api/webhooks/payment';
const webhook = (body: unknown, opts: Parameters<typeof signedPost>[3] = {}) => signedPost(h.app, PATH, body, opts);

/** An order whose workflow has started (no worker: it waits) and whose pending charge BoxFlow recorded. */
async function orderWithPendingCharge() {
  const order = sampleOrder({ payment: { method: 'card', token: 'tok_pending' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const reference = `sbx_ch_${order.orderNo}`;
  await recordCharge(h.db, { orderNo: order.orderNo, idempotencyKey: chargeKeyFor(order.orderNo), amount: 138, currency: 'CNY', status: 'pending', providerRef: reference });
  return { order, body: { orderNo: order.orderNo, status: 'succeeded' as const, reference, amount: 138, currency: 'CNY' } };
}

async function signalsOf(orderNo: string) {
  const history = await workflowHandle(h, orderNo).fetchHistory();
  return (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes).filter((a) => a != null);
}

/** What a refused webhook must leave as it was. */
async function fingerprint(orderNo: string) {
  return { signals: (await signalsOf(orderNo)).length, replayRows: await countWebhookEvents(h.db), payments: await h.db('payments').where({ order_no: orderNo }).select('status', 'provider_ref', 'amount') };
}

describe('authenticity: refused with 401 and nothing written', () => {
  test('the API key no longer opens the webhook', async () => {
    const { order, body } = await orderWithPendingCharge();
    const before = await fingerprint(order.orderNo);
    const res = await request(h.app).post(PATH).set('Authorization', `Bearer ${API_KEY}`).send(body);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('missing_signature');
    expect(await fingerprint(order.orderNo)).toEqual(before);
  });

  test('no signature, a bad signature, a tampered body, another provider\'s secret', async () => {
    const { order, body } = await orderWithPendingCharge();
    const before = await fingerprint(order.orderNo);
    const unsigned = await request(h.app).post(PATH).set('webhook-id', 'msg_1').set('webhook-timestamp', String(Math.floor(Date.now() / 1000))).send(body);
    expect([unsigned.status, unsigned.body.error]).toEqual([401, 'missing_signature']);

    const stranger = await webhook(body, { secret: generateWebhookSecret() });
    expect([stranger.status, stranger.body.error]).toEqual([401, 'bad_signature']);

    const tampered = request(h.app).post(PATH);
    const real = signWebhook(TEST_WEBHOOK_SECRETS.payment[0], { ...body, status: 'failed' });
    for (const [k, v] of Object.entries(real.headers)) tampered.set(k, v);
    const res = await tampered.send(JSON.stringify(body)); // signed "failed", sent "succeeded"
    expect([res.status, res.body.error]).toEqual([401, 'bad_signature']);

    const carrierSecret = await webhook(body, { secret: TEST_WEBHOOK_SECRETS.sf[0] });
    expect([carrierSecret.status, carrierSecret.body.error]).toEqual([401, 'bad_signature']);
    expect(await fingerprint(order.orderNo)).toEqual(before);
  });

  test('a timestamp more than 5 minutes old (or ahead) is refused', async () => {
    const { order, body } = await orderWithPendingCharge();
    const before = await fingerprint(order.orderNo);
    const old = await webhook(body, { timestamp: new Date(Date.now() - 6 * 60_000) });
    expect([old.status, old.body.error]).toEqual([401, 'stale_timestamp']);
    const ahead = await webhook(body, { timestamp: new Date(Date.now() + 6 * 60_000) });
    expect([ahead.status, ahead.body.error]).toEqual([401, 'stale_timestamp']);
    expect(await fingerprint(order.orderNo)).toEqual(before);
    // 4 minutes old is inside the window.
    expect((await webhook(body, { timestamp: new Date(Date.now() - 4 * 60_000) })).status).toBe(202);
  });
});

describe('the charge it names: 409 and nothing written when it is not the stored one', () => {
  test.each([
    ['another reference', { reference: 'sbx_ch_SOMEONE_ELSE' }],
    ['another amount', { amount: 1.38 }],
    ['a cent off', { amount: 137.99 }],
    ['another currency', { currency: 'USD' }],
  ])('%s', async (_name, change) => {
    const { order, body } = await orderWithPendingCharge();
    const before = await fingerprint(order.orderNo);
    const res = await webhook({ ...body, ...change });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('charge_mismatch');
    expect(await fingerprint(order.orderNo)).toEqual(before);
  });

  test('an order with no recorded charge yet: 409 charge_unknown', async () => {
    const order = sampleOrder({ payment: { method: 'card', token: 'tok_pending' } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const res = await webhook({ orderNo: order.orderNo, status: 'succeeded', reference: 'sbx_ch_1', amount: 138 });
    expect([res.status, res.body.error]).toEqual([409, 'charge_unknown']);
    expect(await signalsOf(order.orderNo)).toHaveLength(0);
  });
});

describe('an invalid body gets 400 with the reasons', () => {
  const ok = { orderNo: 'ABC-1', status: 'succeeded', reference: 'sbx_ch_1', amount: 10 };
  const cases: Array<[string, unknown, string]> = [
    ['missing orderNo', { ...ok, orderNo: undefined }, 'orderNo'],
    ['orderNo not a string', { ...ok, orderNo: 42 }, 'orderNo'],
    ['orderNo malformed', { ...ok, orderNo: 'a b' }, 'orderNo'],
    ['missing status', { ...ok, status: undefined }, 'status'],
    ['unknown status', { ...ok, status: 'pending' }, 'status'],
    ['status not a string', { ...ok, status: true }, 'status'],
    ['missing reference', { ...ok, reference: undefined }, 'reference'],
    ['reference not a string', { ...ok, reference: 7 }, 'reference'],
    ['reference null', { ...ok, reference: null }, 'reference'],
    ['reference too long', { ...ok, reference: 'x'.repeat(101) }, 'reference'],
    ['missing amount', { ...ok, amount: undefined }, 'amount'],
    ['amount a string', { ...ok, amount: '10' }, 'amount'],
    ['amount negative', { ...ok, amount: -1 }, 'amount'],
    ['currency lower case', { ...ok, currency: 'cny' }, 'currency'],
    ['unknown field', { ...ok, fee: 10 }, 'fee'],
    ['array body', [ok], ''],
  ];
  test.each(cases)('%s', async (_name, body, path) => {
    const res = await webhook(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]));
  });

  test('every problem is reported at once', async () => {
    const res = await webhook({ orderNo: 1, status: 'maybe', extra: true, reference: 'r', amount: 1 });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['extra', 'orderNo', 'status']);
  });

  test('malformed JSON (signed as it is)', async () => {
    const res = await webhook('{"orderNo": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_json');
  });
});

test('an unknown order gets 404', async () => {
  const res = await webhook({ orderNo: 'NO-SUCH-ORDER-1', status: 'succeeded', reference: 'sbx_ch_1', amount: 1 });
  expect(res.status).toBe(404);
  expect(res.body.error).toBe('not_found');
});

test('a running order gets the result as paymentResultSignal (202) once; the same webhook-id again is a replay (409); a closed one answers 409 order_closed', async () => {
  const { order, body } = await orderWithPendingCharge();
  const replayRows = await countWebhookEvents(h.db, 'payment');
  const res = await webhook(body, { id: `msg_${order.orderNo}` });
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ orderNo: order.orderNo, accepted: true });
  expect(await countWebhookEvents(h.db, 'payment')).toBe(replayRows + 1);

  const signals = await signalsOf(order.orderNo);
  expect(signals).toHaveLength(1);
  expect(signals[0]!.signalName).toBe('paymentResult');
  expect(defaultPayloadConverter.fromPayload(signals[0]!.input!.payloads![0])).toEqual({ status: 'succeeded', reference: body.reference });

  // Replayed: the same message id, freshly timestamped and validly signed, changes nothing.
  const again = await webhook(body, { id: `msg_${order.orderNo}` });
  expect([again.status, again.body.error]).toEqual([409, 'replayed']);
  expect(await signalsOf(order.orderNo)).toHaveLength(1);

  await workflowHandle(h, order.orderNo).terminate('test: close the order');
  const closed = await webhook({ ...body, status: 'failed' }, { id: `msg_${order.orderNo}_closed` });
  expect(closed.status).toBe(409);
  expect(closed.body.error).toBe('order_closed');
  expect(await countWebhookEvents(h.db, 'payment')).toBe(replayRows + 1); // not taken: its id was given back
});

test('an order whose workflow has not started yet answers 409 order_not_started, and the provider\'s retry with the same id is not a replay', async () => {
  const order = sampleOrder();
  await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: 'x', now: dbTime() });
  await recordCharge(h.db, { orderNo: order.orderNo, idempotencyKey: chargeKeyFor(order.orderNo), amount: 138, currency: 'CNY', status: 'pending', providerRef: 'sbx_ch_ns' });
  const body = { orderNo: order.orderNo, status: 'succeeded', reference: 'sbx_ch_ns', amount: 138 };
  const res = await webhook(body, { id: `msg_${order.orderNo}` });
  expect(res.status).toBe(409);
  expect(res.body.error).toBe('order_not_started');
  const retry = await webhook(body, { id: `msg_${order.orderNo}` });
  expect(retry.body.error).toBe('order_not_started');
});
