/**
 * BOXFLOW_SQLITE_READERS > 0 (issue 15): the list pages read through their own read-only SQLite
 * connections (db/knex.ts createReadDb). What the writer commits is listed at once by every page that
 * reads through the pool: `GET /api/orders`, `GET /api/tasks`, `/orders`, the console inbox. On
 * PostgreSQL (BOXFLOW_TEST_DATABASE_URL) the pool is the writer's own, and the same holds.
 */
import { insertOrder } from '../../db/orders';
import { openTask } from '../../db/tasks';
import { dbTime } from '../../db/time';
import { createHarness, Harness, sampleOrder, signIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_SQLITE_READERS: '2' } });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

test('the settings ask for a pool of two readers', () => {
  expect(h.settings.sqliteReaders).toBe(2);
});

test('a row the writer commits is on every list page at once, read through the pool', async () => {
  const staff = await signIn(h, 'staff');
  const supervisor = await signIn(h, 'supervisor');
  for (let i = 0; i < 3; i++) {
    // Written without a workflow: a fixture (the ledger skips it), so the lists are all this test reads.
    const order = sampleOrder();
    await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: `rp-${order.orderNo}`, now: dbTime() });
    const task = await openTask(h.db, {
      orderNo: order.orderNo, kind: 'carrier_rejected', options: ['retry', 'cancel_order'], defaultOption: 'retry',
      deadline: dbTime(Date.now() + 3_600_000), context: {}, priority: 2, workflowKey: `read-pool:${order.orderNo}`,
    });
    // Several reads at once, so that more than one pooled connection answers.
    const [api, tasks, page, inbox] = await Promise.all([
      h.api().get('/api/orders?limit=200'),
      h.api().get('/api/tasks?status=open&limit=500'),
      staff.agent.get('/orders'),
      supervisor.agent.get('/console?kind=carrier_rejected'),
    ]);
    expect(api.status).toBe(200);
    expect(api.body.orders.map((o: { orderNo: string }) => o.orderNo)).toContain(order.orderNo);
    expect(api.body.orders.find((o: { orderNo: string }) => o.orderNo === order.orderNo)).toEqual({ orderNo: order.orderNo, type: order.type, status: 'received', createdAt: expect.any(String), shippedAt: null });
    expect(tasks.status).toBe(200);
    expect(tasks.body.map((t: { id: number }) => t.id)).toContain(task.id);
    expect(page.status).toBe(200);
    expect(page.text).toContain(order.orderNo);
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(`data-task-id="${task.id}"`);
  }
});

test('a write through a page still goes through the writer (claiming a task from the inbox)', async () => {
  const supervisor = await signIn(h, 'supervisor');
  const order = sampleOrder();
  await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: `rp-${order.orderNo}`, now: dbTime() });
  const task = await openTask(h.db, {
    orderNo: order.orderNo, kind: 'carrier_rejected', options: ['retry', 'cancel_order'], defaultOption: 'retry',
    deadline: dbTime(Date.now() + 3_600_000), context: {}, priority: 2, workflowKey: `read-pool:${order.orderNo}`,
  });
  const res = await supervisor.agent.post(`/console/tasks/${task.id}/claim`).type('form').send({ _csrf: supervisor.csrfToken, next: '/console' });
  expect(res.status).toBe(303);
  expect((await h.db('tasks').where({ id: task.id }).first('assignee')).assignee).toBe(supervisor.user.username);
});
