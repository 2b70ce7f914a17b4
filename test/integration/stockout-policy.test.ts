/**
 * P1.10 stockout policy per SKU, through the real API, worker and workflows: a `limited` SKU sells
 * out (the short lines are cancelled and refunded at once, no task), a `restockable` SKU back-orders
 * without a task and ships on restock; the policy is set through the API and by an admin on the
 * catalog page (audited).
 */
import { createHarness, Harness, maybeRecordHistory, orderResult, orderStatusIs, sampleOrder, signIn, waitFor } from '../support/harness';
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

const stockoutTasks = async (orderNos: string[]) => h.db('tasks').whereIn('order_no', orderNos).andWhere({ kind: 'stockout' });

test('the policy is set through the API (validated, audited) and listed in the catalog', async () => {
  expect((await h.api().put('/api/catalog/FIG-MEGA-1000/stockout-policy').send({ policy: 'sometimes' })).status).toBe(400);
  expect((await h.api().put('/api/catalog/FIG-MEGA-1000/stockout-policy').send({ policy: 'limited', colour: 'red' })).status).toBe(400);
  expect((await h.api().put('/api/catalog/NO-SUCH-SKU/stockout-policy').send({ policy: 'limited' })).status).toBe(404);
  const res = await h.api().put('/api/catalog/FIG-MEGA-1000/stockout-policy').send({ policy: 'restockable', changedBy: 'erp-sync', reason: 'supplier confirmed' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ sku: 'FIG-MEGA-1000', stockoutPolicy: 'restockable', previous: 'ask' });
  const listed = (await h.api().get('/api/catalog')).body as Array<{ sku: string; stockoutPolicy: string }>;
  expect(listed.find((i) => i.sku === 'FIG-MEGA-1000')?.stockoutPolicy).toBe('restockable');
  expect(listed.find((i) => i.sku === 'BB-MOLLY-SPACE')?.stockoutPolicy).toBe('ask');
  const audit = await h.db('audit_log').where({ action: 'catalog.stockout_policy', subject: 'sku:FIG-MEGA-1000' });
  expect(audit).toHaveLength(1);
  // Recorded as the calling key (here the operator's), not as the body's changedBy.
  expect(audit[0]).toMatchObject({ actor: 'operator', reason: 'supplier confirmed' });
  expect(JSON.parse(audit[0].data_json)).toEqual({ sku: 'FIG-MEGA-1000', from: 'ask', to: 'restockable' });
});

test('an admin changes the policy on the catalog page (audited); staff see it but cannot change it', async () => {
  const staff = await signIn(h, 'staff');
  const page = await staff.agent.get('/catalog');
  expect(page.status).toBe(200);
  expect(page.text).toContain('data-stockout-policy="ask"');
  expect(page.text).not.toContain('/stockout-policy"');
  expect((await staff.post('/catalog/PL-LABUBU-30/stockout-policy', { policy: 'limited' })).status).toBe(403);

  const admin = await signIn(h, 'admin');
  expect((await admin.agent.get('/catalog')).text).toContain('action="/catalog/PL-LABUBU-30/stockout-policy"');
  expect((await admin.post('/catalog/PL-LABUBU-30/stockout-policy', { policy: 'never' })).status).toBe(400);
  const changed = await admin.post('/catalog/PL-LABUBU-30/stockout-policy', { policy: 'limited', reason: 'last batch' });
  expect(changed.status).toBe(303);
  expect((await h.db('catalog_items').where({ sku: 'PL-LABUBU-30' }).first()).stockout_policy).toBe('limited');
  const audit = await h.db('audit_log').where({ action: 'catalog.stockout_policy', subject: 'sku:PL-LABUBU-30' });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actor: admin.user.username, reason: 'last batch' });
  // Put it back for the other tests.
  expect((await h.api().put('/api/catalog/PL-LABUBU-30/stockout-policy').send({ policy: 'ask' })).status).toBe(200);
});

test('limited sell-out: 8 orders for 3 units ship exactly 3, the other 5 are cancelled and refunded, no task', async () => {
  const SKU = 'BB-DIMOO-FOREST';
  expect((await h.api().put(`/api/catalog/${SKU}/stockout-policy`).send({ policy: 'limited' })).status).toBe(200);
  expect((await h.api().put(`/api/inventory/${SKU}`).send({ onHand: 3 })).status).toBe(200);

  const orders = Array.from({ length: 8 }, () => sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 69 }] }));
  const answers = await Promise.all(orders.map((o) => h.api().post('/api/orders').send(o)));
  expect(answers.map((a) => a.status)).toEqual(orders.map(() => 201));
  const results = await Promise.all(orders.map((o) => orderResult(h, o.orderNo, 180_000)));
  const orderNos = orders.map((o) => o.orderNo);

  expect(results.filter((r) => r.status === 'shipped')).toHaveLength(3);
  expect(results.filter((r) => r.status === 'cancelled')).toHaveLength(5);
  const shippedUnits = await h.db('order_lines').whereIn('order_no', orderNos).andWhere({ status: 'shipped' }).sum({ n: 'quantity' });
  expect(Number(shippedUnits[0].n)).toBe(3);
  expect(await stockoutTasks(orderNos)).toEqual([]);
  expect(await h.db('inventory').where({ sku: SKU }).first()).toMatchObject({ on_hand: 0, reserved: 0 });

  const cancelled = results.filter((r) => r.status === 'cancelled').map((r) => r.orderNo);
  for (const orderNo of cancelled) {
    const refunds = await h.db('payments').where({ order_no: orderNo, kind: 'refund', status: 'succeeded' });
    expect(refunds.reduce((s, p) => s + Number(p.amount), 0)).toBeGreaterThanOrEqual(69);
    expect(await h.db('order_events').where({ order_no: orderNo, type: 'sold_out_refunded' })).toHaveLength(1);
    expect(await h.db('notifications').where({ order_no: orderNo, kind: 'sold_out' })).toHaveLength(1);
  }
  await maybeRecordHistory(h, cancelled[0], 'v6-limited-sold-out-cancelled');
  const summary = (await h.api().get('/api/catalog/sell-outs')).body;
  expect(summary).toEqual([{ sku: SKU, lines: 5, units: 5 }]);
  const supervisor = await signIn(h, 'supervisor');
  expect((await supervisor.agent.get('/catalog').set('Accept-Language', 'en')).text).toContain(`${SKU}: 5 line(s) refunded at sell-out (5 unit(s))`);
});

test('limited line short, other line in stock: the short line is refunded at once and the rest ships', async () => {
  const SKU = 'BB-DIMOO-FOREST'; // limited and sold out (previous test)
  const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }, { sku: SKU, quantity: 2, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo, 180_000)).status).toBe('shipped');
  const lines = await h.db('order_lines').where({ order_no: order.orderNo }).orderBy('id');
  expect(lines.map((l) => [l.sku, l.status])).toEqual([
    ['BB-MOLLY-SPACE', 'shipped'],
    [SKU, 'cancelled'],
  ]);
  const refunds = await h.db('payments').where({ order_no: order.orderNo, kind: 'refund', status: 'succeeded' });
  expect(refunds.map((p) => Number(p.amount))).toEqual([138]);
  expect(await stockoutTasks([order.orderNo])).toEqual([]);
  await maybeRecordHistory(h, order.orderNo, 'v6-limited-line-refunded-rest-shipped');
});

test('restockable: the orders back-order without a task and ship on restock, first come first served', async () => {
  const SKU = 'ACC-GLASS-CASE';
  expect((await h.api().put(`/api/catalog/${SKU}/stockout-policy`).send({ policy: 'restockable' })).status).toBe(200);
  expect((await h.api().put(`/api/inventory/${SKU}`).send({ onHand: 0 })).status).toBe(200);
  const orders = [sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 299 }] }), sampleOrder({ lines: [{ sku: SKU, quantity: 1, unitPrice: 299 }] })];
  for (const o of orders) {
    expect((await h.api().post('/api/orders').send(o)).status).toBe(201);
    await orderStatusIs(h, o.orderNo, 'back_ordered', 120_000);
  }
  expect(await stockoutTasks(orders.map((o) => o.orderNo))).toEqual([]);
  const restock = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 2 });
  expect(restock.status).toBe(200);
  for (const o of orders) expect((await orderResult(h, o.orderNo, 180_000)).status).toBe('shipped');
  await maybeRecordHistory(h, orders[0].orderNo, 'v6-restockable-back-ordered-shipped');
  await waitFor('stock to leave the shelf', async () => (await h.db('inventory').where({ sku: SKU }).first()).on_hand === 0);
  expect(await stockoutTasks(orders.map((o) => o.orderNo))).toEqual([]);
});
