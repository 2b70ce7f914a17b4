import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { holdForDecision, releaseHold } from '../../db/inbox';
import { getTask } from '../../db/tasks';
import type { TaskDecision } from '../../workflows/order/messages';
import { decideTask } from './order-commands';
import type { GateUser } from './certification-gate';
import type { TemporalGateway } from './order-intake';

/**
 * Decisions from the supervisor console (issue #4): the same `decideTask` Update as the API, plus
 * the console's own rule (a task claimed by someone else is theirs to decide) and an audit row with
 * who, when, which option and why.
 */

export type ConsoleDecision =
  | { kind: 'ok'; taskId: number; orderNo: string; decision: string }
  | { kind: 'not_found'; taskId: number; message: string }
  | { kind: 'invalid'; taskId: number; message: string }
  /** Someone (or the deadline) decided first: who, what, when. */
  | { kind: 'already_decided'; taskId: number; orderNo: string; status: string; decision: string | null; decidedBy: string | null; decidedAt: string | null; note: string | null }
  | { kind: 'claimed_by_other'; taskId: number; orderNo: string; assignee: string }
  /** P4.3 certification gate: this person has no valid certificate for the task kind's training module. */
  | { kind: 'not_certified'; taskId: number; orderNo: string; moduleUrl: string | null; message: string }
  | { kind: 'refused'; taskId: number; orderNo: string; message: string };

export async function decideFromConsole(
  db: Db,
  temporal: TemporalGateway,
  taskId: number,
  input: { decision: string; note: string; by: string; user: GateUser; correction?: TaskDecision['correction']; bulk?: boolean },
): Promise<ConsoleDecision> {
  const task = await getTask(db, taskId);
  if (!task) return { kind: 'not_found', taskId, message: `no task ${taskId}` };
  const closed = async (): Promise<ConsoleDecision> => {
    const now = (await getTask(db, taskId))!;
    return { kind: 'already_decided', taskId, orderNo: now.orderNo, status: now.status, decision: now.decision, decidedBy: now.decidedBy, decidedAt: now.decidedAt, note: now.note };
  };
  if (task.status !== 'open') return closed();
  // Atomic: the task is held for this person (or already was) before the decision goes out.
  const hold = await holdForDecision(db, taskId, input.by);
  if (hold.kind === 'not_found') return { kind: 'not_found', taskId, message: `no task ${taskId}` };
  if (hold.kind === 'closed') return closed();
  if (hold.kind === 'taken') return { kind: 'claimed_by_other', taskId, orderNo: task.orderNo, assignee: hold.assignee ?? '' };
  const r = await decideTask(db, temporal, taskId, { decision: input.decision, note: input.note, decidedBy: input.by, correction: input.correction, user: input.user });
  if (r.kind !== 'ok') await releaseHold(db, taskId, input.by, hold.previous);
  if (r.kind === 'ok') {
    await recordAudit(db, {
      actor: input.by,
      action: input.bulk ? 'task.decide_bulk' : 'task.decide',
      orderNo: task.orderNo,
      taskId,
      subject: `decision:${input.decision}`,
      reason: input.note,
      data: { kind: task.kind, decision: input.decision, ...(input.correction ? { correction: input.correction } : {}) },
    });
    return { kind: 'ok', taskId, orderNo: task.orderNo, decision: input.decision };
  }
  if (r.kind === 'not_found') return { kind: 'not_found', taskId, message: r.message };
  if (r.kind === 'invalid') return { kind: 'invalid', taskId, message: r.message };
  if (r.kind === 'forbidden') return { kind: 'not_certified', taskId, orderNo: task.orderNo, moduleUrl: (r.extra?.moduleUrl as string | undefined) ?? null, message: r.message };
  if (r.error === 'already_decided') return closed();
  return { kind: 'refused', taskId, orderNo: task.orderNo, message: r.message };
}

export const BULK_MAX = 200;

/**
 * One decision for many tasks of one kind (after a restock: release every back-order of a SKU).
 * Each task is decided on its own, so one refusal never blocks the others; the outcome is per task.
 * A few at a time: every decision is a round trip to its workflow.
 */
export async function bulkDecide(
  db: Db,
  temporal: TemporalGateway,
  input: { kind: string; taskIds: number[]; decision: string; note: string; by: string; user: GateUser },
): Promise<ConsoleDecision[]> {
  const ids = [...new Set(input.taskIds)].slice(0, BULK_MAX);
  const out: ConsoleDecision[] = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, ids.length) }, async () => {
      while (next < ids.length) {
        const i = next++;
        const task = await getTask(db, ids[i]);
        if (task && task.kind !== input.kind) {
          out[i] = { kind: 'invalid', taskId: ids[i], message: `task ${ids[i]} is a ${task.kind} task, not ${input.kind}` };
          continue;
        }
        out[i] = await decideFromConsole(db, temporal, ids[i], { decision: input.decision, note: input.note, by: input.by, user: input.user, bulk: true });
      }
    }),
  );
  return out;
}
