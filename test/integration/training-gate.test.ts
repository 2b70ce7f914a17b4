/**
 * Certification gate (P4.3 tied to the work) on a real task: a stockout task (P1.10) opened by the
 * real order workflow. A supervisor without a valid certificate for `supervisor-stuck-tasks` is
 * refused by decideTask; once trained and signed off by another supervisor, the same decision goes
 * through to the workflow. API-key callers (no user) are not gated.
 */
import { buildPolicy } from '../../domain/policy';
import { TASK_KIND_MODULES } from '../../training/content';
import { canDecide } from '../../web/services/certification-gate';
import { resetClock, setClockOffsetForTests } from '../../web/services/clock';
import { decideTask } from '../../web/services/order-commands';
import type { TemporalGateway } from '../../web/services/order-intake';
import { createHarness, Harness, openTaskOf, sampleOrder, signIn, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { completeModule, withEvidenceDir } from './training-helpers';

let base: Harness;
let h: Harness;
let temporal: TemporalGateway;

beforeAll(async () => {
  base = await createHarness();
  ({ h } = withEvidenceDir(base, 'gate'));
  temporal = { client: h.client, taskQueue: h.taskQueue, policy: buildPolicy({ timeScale: h.settings.timeScale, stockoutDefault: h.settings.stockoutDefault }) };
});

afterAll(async () => {
  resetClock();
  try {
    await expectLedgerHolds(base);
  } finally {
    await base.close();
  }
});

it('a stockout decision needs a valid supervisor-stuck-tasks certificate', async () => {
  expect(TASK_KIND_MODULES.stockout).toBe('supervisor-stuck-tasks');
  // A real stockout: no stock, an order for it, the workflow opens the task.
  expect((await h.api().put('/api/inventory/BB-MOLLY-SPACE').send({ onHand: 0 })).status).toBe(200);
  const order = sampleOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');

  const sup = await signIn(h, 'supervisor', { displayName: '张主管' });
  const user = { id: sup.user.id, role: sup.user.role, username: sup.user.username };

  // Not certified: refused before anything reaches the workflow.
  const gate = await canDecide(h.db, user, 'stockout');
  expect(gate).toEqual({ allowed: false, moduleId: 'supervisor-stuck-tasks', moduleUrl: '/training/modules/supervisor-stuck-tasks', reason: 'not_certified', status: 'not_started' });
  const refused = await decideTask(h.db, temporal, task.id, { decision: 'cancel_line', decidedBy: user.username, note: 'no stock coming', user });
  expect(refused).toMatchObject({ kind: 'forbidden', error: 'not_certified', extra: { moduleId: 'supervisor-stuck-tasks', trainingStatus: 'not_started' } });
  expect((await h.db('tasks').where({ id: task.id }).first()).status).toBe('open');
  // The setting turns the gate off.
  expect((await canDecide(h.db, user, 'stockout', { required: false })).allowed).toBe(true);
  // A kind that names no module is not gated.
  expect((await canDecide(h.db, user, 'no_such_kind')).reason).toBe('no_module_needed');

  // Trained and submitted, not yet signed off: still refused.
  const runId = await completeModule(sup, 'supervisor-stuck-tasks');
  expect((await canDecide(h.db, user, 'stockout')).status).toBe('awaiting_sign_off');
  expect((await decideTask(h.db, temporal, task.id, { decision: 'cancel_line', decidedBy: user.username, user })).kind).toBe('forbidden');

  // Another supervisor signs off: certified.
  const lead = await signIn(h, 'supervisor');
  expect((await lead.post(`/training/runs/${runId}/sign-off`)).status).toBe(303);
  expect(await canDecide(h.db, user, 'stockout')).toMatchObject({ allowed: true, reason: 'certified', status: 'certified' });

  // A certificate past its validity no longer counts.
  const expired = await canDecide(h.db, user, 'stockout', { now: new Date(Date.now() + 400 * 24 * 3600 * 1000) });
  expect(expired).toMatchObject({ allowed: false, status: 'expired' });
  setClockOffsetForTests(400 * 24 * 3600 * 1000);
  expect((await decideTask(h.db, temporal, task.id, { decision: 'cancel_line', decidedBy: user.username, user })).kind).toBe('forbidden');
  resetClock();

  // Now the decision goes through to the workflow.
  const ok = await decideTask(h.db, temporal, task.id, { decision: 'cancel_line', decidedBy: user.username, note: 'no stock coming', user });
  expect(ok).toMatchObject({ kind: 'ok', body: { taskId: task.id, decision: 'cancel_line', decidedBy: user.username } });
  const decided = await waitFor('the task to be decided', async () => {
    const row = await h.db('tasks').where({ id: task.id }).first();
    return row.status === 'decided' ? row : undefined;
  });
  expect(decided.decision).toBe('cancel_line');
  expect(decided.decided_by).toBe(user.username);
});

it('API-key callers are machines: decideTask without a user is not gated', async () => {
  expect((await h.api().put('/api/inventory/BB-MOLLY-SPACE').send({ onHand: 0 })).status).toBe(200);
  const order = sampleOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');
  const res = await h.api().post(`/api/tasks/${task.id}/decision`).send({ decision: 'cancel_line', decidedBy: 'erp' });
  expect(res.status).toBe(200);
});

it('in the supervisor console: read-only with a link to the module until certified, then the decision goes through', async () => {
  expect((await h.api().put('/api/inventory/BB-MOLLY-SPACE').send({ onHand: 0 })).status).toBe(200);
  const order = sampleOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const task = await openTaskOf(h, order.orderNo, 'stockout');
  const sup = await signIn(h, 'supervisor');

  const page = await sup.agent.get(`/console/tasks/${task.id}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('data-testid="not-certified"');
  expect(page.text).toContain('href="/training/modules/supervisor-stuck-tasks"');
  expect(page.text).toMatch(/<fieldset disabled>/);
  const refused = await sup.post(`/console/tasks/${task.id}/decide`, { decision: 'cancel_line', note: 'no restock planned' });
  expect(refused.status).toBe(403);
  expect((await h.db('tasks').where({ id: task.id }).first()).status).toBe('open');

  const runId = await completeModule(sup, 'supervisor-stuck-tasks');
  const lead = await signIn(h, 'supervisor');
  expect((await lead.post(`/training/runs/${runId}/sign-off`)).status).toBe(303);

  const after = await sup.agent.get(`/console/tasks/${task.id}`);
  expect(after.text).not.toContain('data-testid="not-certified"');
  const ok = await sup.post(`/console/tasks/${task.id}/decide`, { decision: 'cancel_line', note: 'no restock planned' });
  expect(ok.status).toBe(303);
  await waitFor('the task to be decided', async () => (await h.db('tasks').where({ id: task.id }).first()).status === 'decided');
});
