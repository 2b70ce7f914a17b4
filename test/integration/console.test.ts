/**
 * Supervisor console (issue #4) on the real dev server and worker: claims as compare-and-sets,
 * release and assignment rules, decisions with their audit rows, bulk decisions, the audit CSV and
 * stuck orders (a carrier that is down keeps the booking activity retrying).
 */
import { createHarness, Harness, openTaskOf, orderStatusIs, sampleOrder, signIn, SignedIn, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { listStuckOrders } from '../../web/services/stuck-orders';
import { certifyFor } from '../support/browser';
import { setOnHand } from '../../db/inventory';

let h: Harness;
let lead: SignedIn;
let other: SignedIn;
let staff: SignedIn;
let newHire: SignedIn;

beforeAll(async () => {
  h = await createHarness();
  lead = await signIn(h, 'supervisor', { username: 'lead.wang', displayName: '王主管' });
  other = await signIn(h, 'supervisor', { username: 'zhao.li' });
  staff = await signIn(h, 'staff', { username: 'staff.chen' });
  newHire = await signIn(h, 'supervisor', { username: 'new.hire' });
  // P4.3: only certified people decide; new.hire has no certificate yet.
  for (const s of [lead, other]) await certifyFor(h.db, s.user.id, 'stockout');
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

// A count (journaled), so that the ledger's stock balance knows of it.
const setStock = (sku: string, onHand: number) => setOnHand(h.db, sku, onHand, 'test setup');
const taskRow = (id: number) => h.db('tasks').where({ id }).first();
const audits = (where: Record<string, unknown>) => h.db('audit_log').where(where).orderBy('id');

async function stockoutOrder(sku: string, quantity = 2, unitPrice = 69): Promise<{ orderNo: string; taskId: number }> {
  const order = sampleOrder({ lines: [{ sku, quantity, unitPrice }] });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');
  return { orderNo: order.orderNo, taskId: task.id };
}

describe('inbox, claims and decisions', () => {
  let first: { orderNo: string; taskId: number };

  beforeAll(async () => {
    await setStock('BB-DIMOO-FOREST', 0);
    first = await stockoutOrder('BB-DIMOO-FOREST');
  });

  test('the inbox lists the open task with its order and filters by kind, mine and unassigned', async () => {
    const page = await staff.agent.get('/console?kind=stockout').set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-task-id="${first.taskId}"`);
    expect(page.text).toContain('Stockout');
    expect(page.text).toContain('Wait for restock'); // the default option
    const zh = await staff.agent.get('/console').set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('待人工决策');
    expect((await staff.agent.get('/console?kind=carrier_rejected')).text).not.toContain(`data-task-id="${first.taskId}"`);
    expect((await lead.agent.get('/console?mine=1')).text).not.toContain(`data-task-id="${first.taskId}"`);
    expect((await lead.agent.get('/console?unassigned=1&sort=priority&dir=desc')).text).toContain(`data-task-id="${first.taskId}"`);
    // Staff read, but have no claim buttons.
    expect(page.text).not.toContain('/claim"');
  });

  test('two claims at once: exactly one wins, the other is told the task is taken', async () => {
    const [a, b] = await Promise.all([
      lead.post(`/console/tasks/${first.taskId}/claim`, { next: '/console' }),
      other.post(`/console/tasks/${first.taskId}/claim`, { next: '/console' }),
    ]);
    const outcomes = [a.headers.location, b.headers.location].sort();
    expect(outcomes).toEqual(['/console?msg=claim_taken', '/console?msg=claimed']);
    const winner = a.headers.location === '/console?msg=claimed' ? lead : other;
    expect((await taskRow(first.taskId)).assignee).toBe(winner.user.username);
    expect(await audits({ task_id: first.taskId, action: 'task.claim' })).toHaveLength(1);
    // Give it back to a known state: the winner releases it.
    expect((await winner.post(`/console/tasks/${first.taskId}/unclaim`)).headers.location).toContain('msg=unclaimed');
  });

  test('release and assign: own claim only, a take-over needs a reason, staff cannot claim', async () => {
    expect((await staff.post(`/console/tasks/${first.taskId}/claim`)).status).toBe(403);
    expect((await lead.post(`/console/tasks/${first.taskId}/claim`)).headers.location).toContain('msg=claimed');
    expect((await other.post(`/console/tasks/${first.taskId}/unclaim`)).headers.location).toContain('msg=not_yours');
    expect((await other.post(`/console/tasks/${first.taskId}/unclaim`, { force: '1' })).headers.location).toContain('msg=need_reason');
    expect((await taskRow(first.taskId)).assignee).toBe('lead.wang');
    // Assign: only to active supervisors; over someone's claim only with a reason, and only if the claim is still the one seen.
    expect((await other.post(`/console/tasks/${first.taskId}/assign`, { to: 'staff.chen', expected: 'lead.wang', reason: 'x' })).headers.location).toContain('msg=bad_user');
    expect((await other.post(`/console/tasks/${first.taskId}/assign`, { to: 'zhao.li', expected: 'lead.wang' })).headers.location).toContain('msg=need_reason');
    expect((await other.post(`/console/tasks/${first.taskId}/assign`, { to: 'zhao.li', expected: '', reason: 'stale view' })).headers.location).toContain('msg=claim_taken');
    expect((await other.post(`/console/tasks/${first.taskId}/unclaim`, { force: '1', reason: 'Wang is on leave today' })).headers.location).toContain('msg=unclaimed');
    expect((await taskRow(first.taskId)).assignee).toBeNull();
    // The latest release by zhao.li (the claim race before may have made zhao.li the winner, who released it then).
    const release = (await audits({ task_id: first.taskId, action: 'task.unclaim', actor: 'zhao.li' })).pop()!;
    expect(release.reason).toBe('Wang is on leave today');
    expect((await lead.post(`/console/tasks/${first.taskId}/assign`, { to: 'zhao.li', expected: '' })).headers.location).toContain('msg=assigned');
    expect((await taskRow(first.taskId)).assignee).toBe('zhao.li');
  });

  test('the task page explains each option; staff read only; a claimed task is its holder’s to decide', async () => {
    const page = await staff.agent.get(`/console/tasks/${first.taskId}`).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Back-order the short lines'); // explanation of wait_for_restock
    expect(page.text).toContain('Default: applies at');
    expect(page.text).toContain('/training/modules/supervisor-stuck-tasks');
    expect(page.text).toContain('data-testid="read-only"');
    expect(page.text).toContain('BB-DIMOO-FOREST');
    expect((await staff.post(`/console/tasks/${first.taskId}/decide`, { decision: 'cancel_line', note: 'x' })).status).toBe(403);
    const refused = await lead.post(`/console/tasks/${first.taskId}/decide`, { decision: 'cancel_line', note: 'x' }).set('Accept-Language', 'en');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('claimed by zhao.li');
  });

  test('a supervisor without the training certificate sees the form disabled and is refused', async () => {
    const page = await newHire.agent.get(`/console/tasks/${first.taskId}`).set('Accept-Language', 'en');
    expect(page.text).toContain('data-testid="not-certified"');
    expect((await newHire.post(`/console/tasks/${first.taskId}/unclaim`, { force: '1', reason: 'testing' })).headers.location).toContain('msg=unclaimed');
    const refused = await newHire.post(`/console/tasks/${first.taskId}/decide`, { decision: 'cancel_line', note: 'x' }).set('Accept-Language', 'en');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('training certificate');
    expect((await taskRow(first.taskId)).status).toBe('open');
    expect((await lead.post(`/console/tasks/${first.taskId}/assign`, { to: 'zhao.li', expected: '' })).headers.location).toContain('msg=assigned');
  });

  test('a decision needs a note; it sends the Update, writes the audit row; a second decision is told who was first', async () => {
    expect((await other.post(`/console/tasks/${first.taskId}/decide`, { decision: 'cancel_line', note: '' })).status).toBe(400);
    const ok = await other.post(`/console/tasks/${first.taskId}/decide`, { decision: 'cancel_line', note: '供应商本周无法补货' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/console/tasks/${first.taskId}?msg=decided`);
    expect(await taskRow(first.taskId)).toMatchObject({ status: 'decided', decision: 'cancel_line', decided_by: 'zhao.li' });
    const [row] = await audits({ task_id: first.taskId, action: 'task.decide' });
    expect(row).toMatchObject({ actor: 'zhao.li', order_no: first.orderNo, reason: '供应商本周无法补货' });
    await orderStatusIs(h, first.orderNo, 'cancelled', 60_000).catch(() => undefined); // the only line was cancelled
    const again = await lead.post(`/console/tasks/${first.taskId}/decide`, { decision: 'wait_for_restock', note: 'late' }).set('Accept-Language', 'en');
    expect(again.status).toBe(409);
    expect(again.text).toContain('Already decided by zhao.li');
  });
});

describe('bulk decisions and the audit log', () => {
  test('after a restock, every stockout task of the SKU is decided at once, each with its own outcome', async () => {
    await setStock('FIG-SKULLPANDA-400', 0);
    const a = await stockoutOrder('FIG-SKULLPANDA-400', 1, 899);
    const b = await stockoutOrder('FIG-SKULLPANDA-400', 1, 899);
    const list = await lead.agent.get('/console/bulk?kind=stockout&sku=FIG-SKULLPANDA-400');
    expect(list.text).toContain(a.orderNo);
    expect(list.text).toContain(b.orderNo);
    await setStock('FIG-SKULLPANDA-400', 50);
    // taskId repeated as a form field, as the checkboxes send it.
    const res = await lead.agent
      .post('/console/bulk')
      .type('form')
      .send(`_csrf=${encodeURIComponent(lead.csrfToken)}&kind=stockout&sku=FIG-SKULLPANDA-400&decision=wait_for_restock&note=${encodeURIComponent('=HYPERLINK("x") restock arrived')}&taskId=${a.taskId}&taskId=${b.taskId}`);
    expect(res.status).toBe(200);
    expect(res.text.match(/data-outcome="ok"/g)).toHaveLength(2);
    for (const t of [a, b]) expect(await taskRow(t.taskId)).toMatchObject({ status: 'decided', decision: 'wait_for_restock', decided_by: 'lead.wang' });
    expect(await audits({ action: 'task.decide_bulk' })).toHaveLength(2);
    // Decided again in bulk: per-task "already decided", nothing else happens.
    const again = await lead.agent.post('/console/bulk').type('form').send(`_csrf=${encodeURIComponent(lead.csrfToken)}&kind=stockout&decision=cancel_line&note=again&taskId=${a.taskId}`);
    expect(again.text).toContain('data-outcome="already_decided"');
  });

  test('the audit log page filters; the CSV guards against formulas; staff cannot read it', async () => {
    expect((await staff.agent.get('/console/audit')).status).toBe(403);
    const page = await lead.agent.get('/console/audit?actor=lead.wang&action=task.decide_bulk');
    expect(page.status).toBe(200);
    expect(page.text.match(/data-testid="audit-row"/g)).toHaveLength(2);
    const csv = await lead.agent.get('/console/audit.csv?action=task.decide_bulk');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('at,actor,action,order_no,task_id,subject,reason,data');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"") restock arrived"`);
  });
});

describe('stuck orders', () => {
  test('a carrier that is down: the booking activity retries; the page shows attempts and the failure; retry now; cancel with a reason', async () => {
    const order = sampleOrder({ lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, unitPrice: 69 }], sandbox: { carrierFailureRate: 1 } });
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    const stuck = await waitFor('the booking to be retried', async () => {
      const { orders: rows } = await listStuckOrders(h.db, { client: h.client, taskQueue: h.taskQueue, policy: undefined as never }, { stuckAfterMs: 0 });
      const row = rows.find((r) => r.orderNo === order.orderNo);
      return row && row.pendingActivities.some((a) => a.attempt >= 2) ? row : undefined;
    }, 60_000);
    expect(stuck.reason).toBe('activity_retrying');
    const activity = stuck.pendingActivities.find((a) => a.attempt >= 2)!;
    expect(activity.lastFailure).toContain('simulated outage');

    const page = await staff.agent.get('/console/stuck?quiet=0').set('Accept-Language', 'en');
    expect(page.text).toContain(order.orderNo);
    // A carrier is retried a bounded number of times (then it counts as a refusal, P2.4).
    expect(page.text).toMatch(/attempt \d+ of 6/);
    expect(page.text).toContain('simulated outage');
    expect(page.text).not.toContain('/cancel"'); // staff: no actions

    expect((await lead.post(`/console/stuck/${order.orderNo}/retry`, { activityId: activity.activityId, reason: '' })).status).toBe(400);
    const retry = await lead.post(`/console/stuck/${order.orderNo}/retry`, { activityId: activity.activityId, reason: '顺丰接口已恢复', next: '/console/stuck?quiet=0' });
    // ResetActivity (the dev server 1.9.1 has it): the backing-off booking is scheduled again now.
    expect(retry.status).toBe(303);
    expect(retry.headers.location).toContain('msg=retried');
    expect(await audits({ order_no: order.orderNo, action: 'order.retry_activity' })).toMatchObject([{ actor: 'lead.wang', reason: '顺丰接口已恢复' }]);

    const cancel = await lead.post(`/console/stuck/${order.orderNo}/cancel`, { reason: 'carrier down all day; customer agreed to cancel', next: '/console/stuck?quiet=0' });
    expect(cancel.status).toBe(303);
    expect(cancel.headers.location).toContain('msg=cancelled');
    expect((await h.db('orders').where({ order_no: order.orderNo }).first()).status).toBe('cancelled');
    const [row] = await audits({ order_no: order.orderNo, action: 'order.cancel' });
    expect(row).toMatchObject({ actor: 'lead.wang', reason: 'carrier down all day; customer agreed to cancel' });
  });
});
