import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

export type TaskStatus = 'open' | 'decided' | 'expired' | 'cancelled';

export interface TaskRecord {
  id: number;
  orderNo: string;
  kind: string;
  status: TaskStatus;
  options: string[];
  defaultOption: string;
  deadline: string;
  context: Record<string, unknown>;
  priority: number;
  assignee: string | null;
  decision: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
  createdAt: string;
  workflowId: string | null;
}

function fromRow(r: Record<string, any>): TaskRecord {
  return {
    id: r.id,
    orderNo: r.order_no,
    kind: r.kind,
    status: r.status,
    options: parseJson(r.options_json),
    defaultOption: r.default_option,
    deadline: toIso(r.deadline)!,
    context: parseJson(r.context_json),
    priority: r.priority,
    assignee: r.assignee,
    decision: r.decision,
    decidedBy: r.decided_by,
    decidedAt: toIso(r.decided_at),
    note: r.note,
    createdAt: toIso(r.created_at)!,
    workflowId: r.workflow_id ?? null,
  };
}

export interface NewTask {
  orderNo: string;
  kind: string;
  options: readonly string[];
  defaultOption: string;
  deadline: string;
  context: Record<string, unknown>;
  priority: number;
  /** The workflow's own key for this wait: opening the same task again returns the same row. */
  workflowKey: string;
  workflowId?: string;
}

export async function openTask(db: Db, t: NewTask): Promise<TaskRecord> {
  await db('tasks')
    .insert({
      order_no: t.orderNo,
      kind: t.kind,
      status: 'open',
      options_json: JSON.stringify(t.options),
      default_option: t.defaultOption,
      deadline: t.deadline,
      context_json: JSON.stringify(t.context),
      priority: t.priority,
      workflow_key: t.workflowKey,
      workflow_id: t.workflowId ?? null,
      created_at: dbTime(),
    })
    .onConflict('workflow_key')
    .ignore();
  return fromRow(await db('tasks').where({ workflow_key: t.workflowKey }).first());
}

/** The key the workflow opened the task under (sent back with a decision: see decideTaskUpdate). */
export async function taskWorkflowKey(db: Db, id: number): Promise<string | undefined> {
  const row = await db('tasks').where({ id }).first('workflow_key');
  return row?.workflow_key ?? undefined;
}

export async function getTask(db: Db, id: number): Promise<TaskRecord | undefined> {
  const row = await db('tasks').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

/**
 * Closes a task as a compare-and-set on status 'open': of two people (or a person and the deadline)
 * exactly one wins. Returns whether this call won and what the task holds now.
 */
export async function resolveTask(
  db: Db,
  r: { id: number; decision: string; decidedBy: string; note?: string; status: Exclude<TaskStatus, 'open'> },
): Promise<{ won: boolean; task: TaskRecord }> {
  const changed = await db('tasks')
    .where({ id: r.id, status: 'open' })
    .update({ status: r.status, decision: r.decision, decided_by: r.decidedBy, decided_at: dbTime(), note: r.note?.slice(0, 2000) ?? null });
  const task = await getTask(db, r.id);
  if (!task) throw new Error(`task ${r.id} does not exist`);
  return { won: changed === 1, task };
}

export async function cancelOpenTasks(db: Db, orderNo: string): Promise<number> {
  return db('tasks').where({ order_no: orderNo, status: 'open' }).update({ status: 'cancelled', decided_at: dbTime(), decided_by: 'system', note: 'order cancelled' });
}

export interface TaskFilter {
  status?: TaskStatus;
  kind?: string;
  orderNo?: string;
  limit: number;
  offset: number;
}

export async function listTasks(db: Db, f: TaskFilter): Promise<TaskRecord[]> {
  const rows = await db('tasks')
    .modify((q) => {
      if (f.status) q.where('status', f.status);
      if (f.kind) q.where('kind', f.kind);
      if (f.orderNo) q.where('order_no', f.orderNo);
    })
    .orderBy([{ column: 'deadline' }, { column: 'id' }])
    .limit(f.limit)
    .offset(f.offset);
  return rows.map(fromRow);
}
