/** The order API's contract: auth, validation with nothing written, idempotent submission. */
import { createHarness, Harness, orderResult, sampleOrder, signIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

async function counts() {
  const [o] = await h.db('orders').count({ n: '*' });
  const [l] = await h.db('order_lines').count({ n: '*' });
  const [e] = await h.db('order_events').count({ n: '*' });
  return { orders: Number(o.n), lines: Number(l.n), events: Number(e.n) };
}

test('a missing or wrong API key gets 401', async () => {
  const { default: request } = await import('supertest');
  expect((await request(h.app).get('/api/catalog')).status).toBe(401);
  expect((await request(h.app).get('/api/catalog').set('Authorization', 'Bearer nope')).status).toBe(401);
  expect((await request(h.app).post('/api/orders').send(sampleOrder())).status).toBe(401);
});

test('GET /api/catalog lists products with stock', async () => {
  const res = await h.api().get('/api/catalog');
  expect(res.status).toBe(200);
  const glass = res.body.find((i: { sku: string }) => i.sku === 'ACC-GLASS-CASE');
  expect(glass).toEqual(expect.objectContaining({ fragile: true, unitPrice: 299, currency: 'CNY', onHand: 15, reserved: 0, weightGrams: 2200 }));
  expect(res.body.length).toBeGreaterThanOrEqual(8);
});

describe('invalid orders get 400 with reasons and write nothing', () => {
  const cases: Array<[string, unknown, string]> = [
    ['unknown SKU', sampleOrder({ lines: [{ sku: 'NOPE-1', quantity: 1, unitPrice: 10 }] }), 'lines[0].sku'],
    ['zero quantity', sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 0, unitPrice: 69 }] }), 'lines[0].quantity'],
    ['fractional quantity', sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1.5, unitPrice: 69 }] }), 'lines[0].quantity'],
    ['price mismatch', sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 59 }] }), 'lines[0].unitPrice'],
    ['missing phone', { ...sampleOrder(), shippingAddress: { ...sampleOrder().shippingAddress, phone: '' } }, 'shippingAddress.phone'],
    ['bad country', { ...sampleOrder(), shippingAddress: { ...sampleOrder().shippingAddress, country: 'China' } }, 'shippingAddress.country'],
    ['no lines', sampleOrder({ lines: [] }), 'lines'],
    ['unknown field', { ...sampleOrder(), discount: 10 }, 'discount'],
    ['group buy without campaign', sampleOrder({ type: 'group_buy' }), 'groupBuy'],
  ];
  test.each(cases)('%s', async (_name, body, path) => {
    const before = await counts();
    const res = await h.api().post('/api/orders').send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await counts()).toEqual(before);
  });

  test('malformed JSON', async () => {
    const before = await counts();
    const res = await h.api().post('/api/orders').set('Content-Type', 'application/json').send('{"orderNo": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_json');
    expect(await counts()).toEqual(before);
  });
});

test('the same order twice answers 200 with the same result; another body under its number is 409', async () => {
  const order = sampleOrder();
  const first = await h.api().post('/api/orders').send(order);
  expect(first.status).toBe(201);
  // Same content, keys in another order: still the same order.
  const { lines, ...rest } = order;
  const reordered = { lines, ...rest };
  const second = await h.api().post('/api/orders').send(reordered);
  expect(second.status).toBe(200);
  expect(second.body.workflowId).toBe(first.body.workflowId);
  expect(second.body.orderNo).toBe(order.orderNo);

  const changed = await h.api().post('/api/orders').send({ ...order, lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 5, unitPrice: 69 }] });
  expect(changed.status).toBe(409);
  expect(changed.body.error).toBe('order_conflict');

  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  // One workflow run for the order, not two.
  const runs = [];
  for await (const wf of h.client.workflow.list({ query: `WorkflowId = 'order-${order.orderNo}'` })) runs.push(wf);
  expect(runs).toHaveLength(1);
  expect(await h.db('order_lines').where({ order_no: order.orderNo })).toHaveLength(1);
});

test('concurrent submissions of one order create one order', async () => {
  const order = sampleOrder();
  const answers = await Promise.all([1, 2, 3, 4].map(() => h.api().post('/api/orders').send(order)));
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
  expect(await h.db('orders').where({ order_no: order.orderNo })).toHaveLength(1);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
});

test('GET of an unknown order is 404', async () => {
  const res = await h.api().get('/api/orders/NO-SUCH-ORDER');
  expect(res.status).toBe(404);
  expect((await (await signIn(h, 'staff')).agent.get('/orders/NO-SUCH-ORDER')).status).toBe(404);
});
