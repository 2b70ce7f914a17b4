/**
 * Issue 11 item 3, at time scale 1 on the time-skipping test server: the customer never pays. At the
 * 30-minute payment deadline the order is cancelled, its stock released, and its pending charge
 * voided at the provider (the sandbox ledger's charge row says `voided`), so the customer can no
 * longer pay for an order that will never ship. Every run under 10,000 events; the ledger holds.
 */
import { orderProgressQuery } from '../../workflows/order/state';
import { sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { createTimeSkippingWorld, expectEveryRunUnder, orderStatus, TimeSkippingWorld, untilStatus } from '../support/time-skipping';

let world: TimeSkippingWorld;
beforeAll(async () => {
  world = await createTimeSkippingWorld();
}, 120_000);
afterAll(async () => {
  try {
    await expectLedgerHolds(world);
  } finally {
    await world?.close();
  }
});

test('no payment within 30 minutes: cancelled, stock released, the pending charge voided', async () => {
  const order = sampleOrder({ payment: { method: 'card', token: 'tok_pending' } });
  const handle = world.client.workflow.getHandle(`order-${order.orderNo}`);
  expect((await world.api().post('/api/orders').send(order)).status).toBe(201);
  // The deadline's timer starts in the workflow task that sets this.
  await waitFor('the wait for the payment webhook', async () => (await handle.query(orderProgressQuery)).waitingFor === 'payment confirmation (webhook)');
  const charge = () => world.db('sandbox_payment_operations').where({ order_no: order.orderNo, kind: 'charge' }).first();
  expect((await charge()).status).toBe('pending');

  await world.sleep('29 minutes');
  expect(await orderStatus(world, order.orderNo)).toBe('awaiting_payment');
  await world.sleep('2 minutes');
  await untilStatus(world, order.orderNo, ['cancelled']);

  const runs = await expectEveryRunUnder(world.client, `order-${order.orderNo}`);
  console.log(`payment deadline: ${runs.map((r) => `${r.events} events (${r.ended})`).join(', ')}`);
  expect(await world.db('order_lines').where({ order_no: order.orderNo }).sum({ n: 'reserved_quantity' })).toEqual([{ n: 0 }]);
  expect((await charge()).status).toBe('voided');
}, 300_000);
