/**
 * POST /api/webhooks/payment: strict validation, 404 for unknown orders, the signal reaching the
 * order's workflow, and 409 once the workflow has closed. No worker runs here, so nothing depends on
 * what the order workflow does with the signal (its own tests cover that).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import request from 'supertest';
import { insertOrder } from '../../db/orders';
import { dbTime } from '../../db/time';
import { createHarness, Harness, sampleOrder, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

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

const webhook = (body: unknown) => h.api().post('/api/webhooks/payment').send(body as object);

test('needs the API key like the rest of /api', async () => {
  const res = await request(h.app).post('/api/webhooks/payment').send({ orderNo: 'ABC-1', status: 'succeeded' });
  expect(res.status).toBe(401);
});

describe('an invalid body gets 400 with the reasons', () => {
  const cases: Array<[string, unknown, string]> = [
    ['missing orderNo', { status: 'succeeded' }, 'orderNo'],
    ['orderNo not a string', { orderNo: 42, status: 'succeeded' }, 'orderNo'],
    ['orderNo malformed', { orderNo: 'a b', status: 'succeeded' }, 'orderNo'],
    ['missing status', { orderNo: 'ABC-1' }, 'status'],
    ['unknown status', { orderNo: 'ABC-1', status: 'pending' }, 'status'],
    ['status not a string', { orderNo: 'ABC-1', status: true }, 'status'],
    ['reference not a string', { orderNo: 'ABC-1', status: 'failed', reference: 7 }, 'reference'],
    ['reference null', { orderNo: 'ABC-1', status: 'failed', reference: null }, 'reference'],
    ['reference too long', { orderNo: 'ABC-1', status: 'failed', reference: 'x'.repeat(101) }, 'reference'],
    ['unknown field', { orderNo: 'ABC-1', status: 'succeeded', amount: 10 }, 'amount'],
    ['array body', [{ orderNo: 'ABC-1', status: 'succeeded' }], ''],
  ];
  test.each(cases)('%s', async (_name, body, path) => {
    const res = await webhook(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String) })]));
  });

  test('every problem is reported at once', async () => {
    const res = await webhook({ orderNo: 1, status: 'maybe', extra: true });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['extra', 'orderNo', 'status']);
  });

  test('malformed JSON', async () => {
    const res = await h.api().post('/api/webhooks/payment').set('Content-Type', 'application/json').send('{"orderNo": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_json');
  });
});

test('an unknown order gets 404', async () => {
  const res = await webhook({ orderNo: 'NO-SUCH-ORDER-1', status: 'succeeded' });
  expect(res.status).toBe(404);
  expect(res.body.error).toBe('not_found');
});

test('a running order gets the result as paymentResultSignal (202); a closed one answers 409 order_closed', async () => {
  const order = sampleOrder({ payment: { method: 'card', token: 'tok_pending' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);

  const res = await webhook({ orderNo: order.orderNo, status: 'succeeded', reference: 'sbx_ch_1' });
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ orderNo: order.orderNo, accepted: true });

  const handle = workflowHandle(h, order.orderNo);
  const history = await handle.fetchHistory();
  const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes).filter((a) => a != null);
  expect(signals).toHaveLength(1);
  expect(signals[0]!.signalName).toBe('paymentResult');
  expect(defaultPayloadConverter.fromPayload(signals[0]!.input!.payloads![0])).toEqual({ status: 'succeeded', reference: 'sbx_ch_1' });

  await handle.terminate('test: close the order');
  const closed = await webhook({ orderNo: order.orderNo, status: 'failed' });
  expect(closed.status).toBe(409);
  expect(closed.body.error).toBe('order_closed');
});

test('an order whose workflow has not started yet answers 409 order_not_started', async () => {
  const order = sampleOrder();
  await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: 'x', now: dbTime() });
  const res = await webhook({ orderNo: order.orderNo, status: 'succeeded' });
  expect(res.status).toBe(409);
  expect(res.body.error).toBe('order_not_started');
});
