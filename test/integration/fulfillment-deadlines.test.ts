/**
 * Deadlines on the real workflow, with BOXFLOW_TIME_SCALE 0.0002: the 30 min payment deadline
 * becomes 0.36 s, a 4 h stockout task 2.9 s, the 24 h retail SLA 17 s (at risk at 13 s).
 */
import { getStock, setOnHand } from '../../db/inventory';
import { createHarness, Harness, maybeRecordHistory, openTaskOf, orderResult, orderStatusIs, sampleOrder, statusTrail, waitFor, workflowHandle } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { sendPaymentResult } from '../support/webhooks';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.0002' } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

test('no payment before the deadline: the order is cancelled and its stock released', async () => {
  const before = await getStock(h.db, 'BB-MOLLY-SPACE');
  const order = sampleOrder({ payment: { method: 'card', token: 'tok_pending' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo)).status).toBe('cancelled');
  expect(await getStock(h.db, 'BB-MOLLY-SPACE')).toEqual(before);
  const cancel = (await h.db('order_events').where({ order_no: order.orderNo, type: 'cancellation' }).first()).detail;
  expect(cancel).toMatch(/payment not confirmed before the deadline/);
  // A webhook after the order closed is not lost silently: a success is settled (refunded, if the
  // voided charge was paid after all), a failure has nothing left to change (409).
  await workflowHandle(h, order.orderNo).result();
  expect((await sendPaymentResult(h, order.orderNo, 'failed')).status).toBe(409);
  const late = await sendPaymentResult(h, order.orderNo, 'succeeded');
  expect(late.status).toBe(202);
  expect(late.body.settlement).toBe('refund_after_cancellation');
});

test('an undecided stockout applies its default at the deadline, and a late retail order is at risk, then breached', async () => {
  await setOnHand(h.db, 'FIG-MEGA-1000', 0, 'test setup');
  const order = sampleOrder({ lines: [{ sku: 'FIG-MEGA-1000', quantity: 1, unitPrice: 6999 }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');

  // Nobody decides: the default (wait for restock) applies when the deadline passes.
  await orderStatusIs(h, order.orderNo, 'back_ordered', 30_000);
  const expired = await h.db('tasks').where({ id: task.id }).first();
  expect(expired).toMatchObject({ status: 'expired', decision: 'wait_for_restock', decided_by: 'system' });

  // P2.8 at 75 % of 24 h (scaled): at risk, a task; past 24 h: a breach on the timeline.
  const risk = await openTaskOf(h, order.orderNo, 'sla_at_risk', 30_000);
  expect(risk.options).toEqual(['expedite', 'acknowledge']);
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).at_risk).toBeTruthy();
  await waitFor('the SLA breach', async () => h.db('order_events').where({ order_no: order.orderNo, type: 'sla_breached' }).first(), 30_000);

  // Restock: it ships late, and the SLA warning nobody answered is withdrawn.
  expect((await h.api().post('/api/inventory/FIG-MEGA-1000/restock').send({ quantity: 2 })).status).toBe(200);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  await maybeRecordHistory(h, order.orderNo, 'v4-sla-at-risk-breached');
  expect((await h.db('tasks').where({ id: risk.id }).first()).status).not.toBe('open');
  expect((await h.db('orders').where({ order_no: order.orderNo }).first()).sla_breached_at).toBeTruthy();
  expect(await statusTrail(h, order.orderNo)).toEqual(expect.arrayContaining(['on_hold', 'back_ordered', 'shipped']));
  // Heavy parcel: a pickup window was booked (P2.6) and a ship date planned from the cut-off (P1.9).
  const [shipment] = await h.db('shipments').where({ order_no: order.orderNo });
  expect(JSON.parse(shipment.pickup_json)).toEqual({ earliest: expect.any(String), latest: expect.any(String) });
  expect(shipment.schedule_reason).toMatch(/P1\.9/);
});
