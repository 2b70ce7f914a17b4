/**
 * Stuck orders found through Temporal (issue 14): the running order workflows come from visibility
 * (search attribute BoxflowOrderStatus, a page at a time), only quiet ones without an open task are
 * described for their pending activities, and `npm run stuck` follows every page.
 */
import { setOnHand } from '../../db/inventory';
import { buildPolicy } from '../../domain/policy';
import { formatStuckReport, stuckReport } from '../../scripts/stuck';
import { listAllStuckOrders, listStuckOrders, runningOrdersQuery } from '../../web/services/stuck-orders';
import type { TemporalGateway } from '../../web/services/order-intake';
import request from 'supertest';
import { createApp } from '../../web/app';
import { API_KEY, createHarness, Harness, openTaskOf, sampleOrder, signIn, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
let temporal: TemporalGateway;
beforeAll(async () => {
  h = await createHarness();
  temporal = { client: h.client, taskQueue: h.taskQueue, policy: buildPolicy({ timeScale: h.settings.timeScale }) };
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

test('orders whose carrier is down are found page by page; an order waiting on a person is not; npm run stuck lists them all', async () => {
  const down = await Promise.all(
    [1, 2, 3].map(async () => {
      const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }], sandbox: { carrierFailureRate: 1 } });
      expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
      return order.orderNo;
    }),
  );
  // One waiting for a person: a stockout task is open on it.
  await setOnHand(h.db, 'BB-DIMOO-FOREST', 0, 'test setup: a stockout');
  const waiting = sampleOrder({ lines: [{ sku: 'BB-DIMOO-FOREST', quantity: 1, unitPrice: 69 }] });
  expect((await h.api().post('/api/orders').send(waiting)).status).toBe(201);
  await openTaskOf(h, waiting.orderNo, 'stockout');

  const all = await waitFor('the three bookings to be retried', async () => {
    const r = await listAllStuckOrders(h.db, temporal, { stuckAfterMs: 0, pageSize: 1 });
    const retrying = r.orders.filter((s) => down.includes(s.orderNo) && s.reason === 'activity_retrying');
    return retrying.length === 3 ? r : undefined;
  }, 90_000);
  expect(all.complete).toBe(true);
  expect(all.orders.map((s) => s.orderNo)).not.toContain(waiting.orderNo);
  // The waiting order's workflow is read from visibility (it is running and not settled) but never described.
  expect(all.scanned).toBe(4);
  expect(all.described).toBe(3);
  for (const s of all.orders.filter((o) => down.includes(o.orderNo))) {
    expect(s.searchAttributes.BoxflowOrderStatus).toBeTruthy();
    expect(s.pendingActivities.some((a) => a.attempt >= 2 && (a.lastFailure ?? '').includes('simulated outage'))).toBe(true);
  }

  // Paging: one workflow per page, a token to the next, each page describing at most its own row.
  const seen: string[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const page = await listStuckOrders(h.db, temporal, { stuckAfterMs: 0, pageSize: 1, pageToken: token });
    expect(page.scanned).toBeLessThanOrEqual(1);
    expect(page.described).toBeLessThanOrEqual(1);
    seen.push(...page.orders.map((o) => o.orderNo));
    token = page.nextPageToken;
    pages++;
  } while (token && pages < 10);
  expect(token).toBeNull();
  expect(seen.sort()).toEqual([...down].sort());

  // The default threshold scales with BOXFLOW_TIME_SCALE: at 1 (15 min, described after 1 min quiet)
  // none of these has been quiet long enough to be looked at; at 0.001 (0.9 s, described after 60 ms) all are.
  expect((await listAllStuckOrders(h.db, temporal, {})).orders).toEqual([]);
  const fast = { ...temporal, policy: buildPolicy({ timeScale: 0.001 }) };
  const scaled = await waitFor('the scaled threshold to pass', async () => {
    const r = await listAllStuckOrders(h.db, fast, {});
    return r.orders.length === 3 ? r : undefined;
  });
  expect(scaled.orders.map((o) => o.orderNo).sort()).toEqual([...down].sort());

  const report = await stuckReport(h.db, temporal, { quietMinutes: 0, pageSize: 2 });
  expect(report.orders.map((o) => o.orderNo).sort()).toEqual([...down].sort());
  const text = formatStuckReport(report);
  for (const orderNo of down) expect(text).toContain(orderNo);
  expect(text).toContain('activity_retrying');

  // The console page shows one page and links to the next.
  const staff = await signIn(h, 'staff');
  const page = await staff.agent.get('/console/stuck?quiet=0').set('Accept-Language', 'en');
  expect(page.status).toBe(200);
  expect(page.text).toContain('running order workflows looked at in Temporal on this page');

  // Clean up: cancel them (the carrier never comes back).
  for (const orderNo of [...down, waiting.orderNo]) {
    const res = await h.api().post(`/api/orders/${orderNo}/cancel`).send({ reason: 'test over' });
    expect([200, 202]).toContain(res.status);
  }
  for (const orderNo of [...down, waiting.orderNo]) {
    await waitFor(`${orderNo} to be cancelled`, async () => (await h.db('orders').where({ order_no: orderNo }).first())?.status === 'cancelled', 60_000);
  }
});

test('an order whose workflow no worker has picked up (no status published yet) is found', async () => {
  const nobody = { ...temporal, taskQueue: `${h.taskQueue}-no-worker` };
  const app = createApp({ db: h.db, temporal: nobody, apiKey: API_KEY });
  const order = sampleOrder();
  expect((await request(app).post('/api/orders').set('Authorization', `Bearer ${API_KEY}`).send(order)).status).toBe(201);
  const found = await waitFor('visibility to list it', async () => {
    const r = await listStuckOrders(h.db, nobody, { stuckAfterMs: 0 });
    return r.orders.find((o) => o.orderNo === order.orderNo);
  });
  expect(found).toEqual(expect.objectContaining({ reason: 'no_progress', status: 'received', workflowStatus: 'RUNNING', searchAttributes: {} }));
});

test('the visibility query names the workflow type, the task queue and the settled statuses, quoted', () => {
  const q = runningOrdersQuery("fulfil'ment");
  expect(q).toContain("TaskQueue = 'fulfil\\'ment'");
  expect(q).toContain("WorkflowType = 'orderFulfillment'");
  expect(q).toContain("ExecutionStatus = 'Running'");
  expect(q).toMatch(/\(BoxflowOrderStatus IS NULL OR BoxflowOrderStatus NOT IN \('shipped', .*'failed'.*\)\)$/);
});
