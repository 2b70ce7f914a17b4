import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

/**
 * The audit log: who did what, when and why. Every console action writes one row (actor = the
 * signed-in username, or "system" / "cli"). Rows are only ever inserted.
 */
export interface AuditInput {
  actor: string;
  /** Dotted verb, e.g. "user.create", "task.decide", "training.sign_off". */
  action: string;
  orderNo?: string | null;
  taskId?: number | null;
  /** What the action was about, when it is not an order or task (e.g. "user:li.na"). */
  subject?: string | null;
  reason?: string | null;
  data?: Record<string, unknown> | null;
  /** Defaults to now; tests and imports may set it. */
  at?: Date | string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  orderNo: string | null;
  taskId: number | null;
  subject: string | null;
  reason: string | null;
  data: Record<string, unknown> | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  orderNo?: string;
  /** ISO timestamps, inclusive from, exclusive to. */
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

const clip = (v: string | null | undefined, n: number) => (v === null || v === undefined || v === '' ? null : String(v).slice(0, n));

/** Takes a knex transaction too, so an action and its audit row can commit together. */
export async function recordAudit(db: Db, entry: AuditInput): Promise<number> {
  const [row] = await db('audit_log')
    .insert({
      at: dbTime(entry.at === undefined ? Date.now() : new Date(entry.at)),
      actor: clip(entry.actor, 64) ?? 'unknown',
      action: clip(entry.action, 64)!,
      order_no: clip(entry.orderNo, 64),
      task_id: entry.taskId ?? null,
      subject: clip(entry.subject, 200),
      reason: clip(entry.reason, 1000),
      data_json: entry.data ? JSON.stringify(entry.data) : null,
    })
    .returning('id');
  return typeof row === 'object' ? row.id : row;
}

function fromRow(r: Record<string, any>): AuditRecord {
  return {
    id: r.id,
    at: toIso(r.at)!,
    actor: r.actor,
    action: r.action,
    orderNo: r.order_no ?? null,
    taskId: r.task_id ?? null,
    subject: r.subject ?? null,
    reason: r.reason ?? null,
    data: r.data_json ? parseJson<Record<string, unknown>>(r.data_json) : null,
  };
}

/** Newest first. `total` counts every row the filter matches (for paging). */
export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<{ rows: AuditRecord[]; total: number }> {
  const base = db('audit_log');
  if (filter.actor) base.where('actor', filter.actor);
  if (filter.action) base.where('action', filter.action);
  if (filter.orderNo) base.where('order_no', filter.orderNo);
  if (filter.from) base.where('at', '>=', dbTime(new Date(filter.from)));
  if (filter.to) base.where('at', '<', dbTime(new Date(filter.to)));
  const limit = Math.min(Math.max(1, filter.limit ?? 100), 10_000);
  const offset = Math.max(0, filter.offset ?? 0);
  const [{ n }] = await base.clone().count({ n: '*' });
  const rows = await base.clone().orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit).offset(offset);
  return { rows: rows.map(fromRow), total: Number(n) };
}
