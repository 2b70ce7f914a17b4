import type { Knex } from 'knex';
import { recordAudit } from './audit';
import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

/**
 * The supervisor console's inbox (issue #4): open tasks with their order's type, risk and carrier,
 * filtered, sorted and paged. Claims are compare-and-sets on the row, and each claim, release and
 * assignment writes its audit row in the same transaction as the change.
 */

export const INBOX_SORTS = ['deadline', 'age', 'priority'] as const;
export type InboxSort = (typeof INBOX_SORTS)[number];

export interface InboxFilter {
  kind?: string;
  carrier?: string;
  orderType?: string;
  /** The order's ship-by is at risk (P2.8), or the task's deadline is closer than riskWindowMs. */
  atRisk?: boolean;
  /** Only tasks held by this user ("mine"). */
  assignee?: string;
  unassigned?: boolean;
  sort: InboxSort;
  dir: 'asc' | 'desc';
  page: number;
  pageSize: number;
  now?: number;
  riskWindowMs?: number;
}

export interface InboxRow {
  id: number;
  orderNo: string;
  kind: string;
  options: string[];
  defaultOption: string;
  deadline: string;
  createdAt: string;
  priority: number;
  assignee: string | null;
  orderType: string;
  orderStatus: string;
  orderAtRisk: boolean;
  shipBy: string | null;
  carrier: string | null;
  /** At risk as the filter means it: the order's SLA, or a deadline within the risk window. */
  atRisk: boolean;
}

export const DEFAULT_RISK_WINDOW_MS = 30 * 60 * 1000;

function filtered(db: Db | Knex.Transaction, f: InboxFilter, forCount = false): Knex.QueryBuilder {
  const now = f.now ?? Date.now();
  const riskEdge = dbTime(now + (f.riskWindowMs ?? DEFAULT_RISK_WINDOW_MS));
  // Every task has its order (foreign key), so a count needs the join only when it filters on the
  // order: without it, counting 10,000 open tasks is an index-only scan instead of 10,000 lookups.
  const needsOrder = !forCount || !!f.orderType || !!f.atRisk;
  const q = db('tasks as t').where('t.status', 'open');
  if (needsOrder) q.join('orders as o', 'o.order_no', 't.order_no');
  if (f.kind) q.where('t.kind', f.kind);
  if (f.orderType) q.where('o.type', f.orderType);
  if (f.assignee) q.where('t.assignee', f.assignee);
  if (f.unassigned) q.whereNull('t.assignee');
  if (f.atRisk) q.where((w) => w.where('o.at_risk', true).orWhere('t.deadline', '<', riskEdge));
  if (f.carrier) {
    const carrier = f.carrier;
    q.whereExists((s) => s.select(db.raw('1')).from('shipments as s').whereRaw('s.order_no = t.order_no').andWhere('s.carrier', carrier));
  }
  return q;
}

export async function listInbox(db: Db, f: InboxFilter): Promise<{ rows: InboxRow[]; total: number }> {
  const now = f.now ?? Date.now();
  const riskEdge = now + (f.riskWindowMs ?? DEFAULT_RISK_WINDOW_MS);
  const [{ n }] = await filtered(db, f, true).count({ n: '*' });
  const dir = f.dir;
  const order: Array<{ column: string; order: 'asc' | 'desc' }> =
    f.sort === 'age'
      ? [{ column: 't.created_at', order: dir }, { column: 't.id', order: dir }]
      : f.sort === 'priority'
        ? [{ column: 't.priority', order: dir === 'asc' ? 'desc' : 'asc' }, { column: 't.deadline', order: 'asc' }, { column: 't.id', order: 'asc' }]
        : [{ column: 't.deadline', order: dir }, { column: 't.id', order: dir }];
  // Offset paging: the count is needed anyway for "page x of y", and with the (status, deadline)
  // indexes both stay in single-digit milliseconds at 10,000 open tasks (scripts/bench-inbox.ts).
  const rows = await filtered(db, f)
    .select(
      't.id', 't.order_no', 't.kind', 't.options_json', 't.default_option', 't.deadline', 't.created_at', 't.priority', 't.assignee',
      'o.type as order_type', 'o.status as order_status', 'o.at_risk', 'o.ship_by',
      db('shipments as s').min('s.carrier').whereRaw('s.order_no = t.order_no').as('carrier'),
    )
    .orderBy(order)
    .limit(f.pageSize)
    .offset((Math.max(1, f.page) - 1) * f.pageSize);
  return {
    total: Number(n),
    rows: rows.map((r: Record<string, any>) => {
      const deadline = toIso(r.deadline)!;
      return {
        id: r.id,
        orderNo: r.order_no,
        kind: r.kind,
        options: parseJson<string[]>(r.options_json),
        defaultOption: r.default_option,
        deadline,
        createdAt: toIso(r.created_at)!,
        priority: r.priority,
        assignee: r.assignee ?? null,
        orderType: r.order_type,
        orderStatus: r.order_status,
        orderAtRisk: Boolean(r.at_risk),
        shipBy: toIso(r.ship_by),
        carrier: r.carrier ?? null,
        atRisk: Boolean(r.at_risk) || Date.parse(deadline) < riskEdge,
      };
    }),
  };
}

/** Open tasks per kind, for the filter form and the bulk page. */
export async function countOpenByKind(db: Db): Promise<Record<string, number>> {
  const rows = await db('tasks').where('status', 'open').groupBy('kind').select('kind').count({ n: '*' });
  return Object.fromEntries(rows.map((r: Record<string, any>) => [r.kind, Number(r.n)]));
}

export type ClaimResult =
  | { kind: 'ok'; assignee: string | null; previous: string | null }
  | { kind: 'not_found' }
  | { kind: 'closed'; status: string; decidedBy: string | null }
  | { kind: 'taken'; assignee: string | null };

async function explainMiss(trx: Knex.Transaction, id: number): Promise<ClaimResult> {
  const row = await trx('tasks').where({ id }).first('status', 'assignee', 'decided_by');
  if (!row) return { kind: 'not_found' };
  if (row.status !== 'open') return { kind: 'closed', status: row.status, decidedBy: row.decided_by ?? null };
  return { kind: 'taken', assignee: row.assignee ?? null };
}

async function taskOrderNo(trx: Knex.Transaction, id: number): Promise<string | null> {
  return (await trx('tasks').where({ id }).first('order_no'))?.order_no ?? null;
}

/**
 * Claim: `UPDATE … SET assignee = me WHERE id = ? AND status = 'open' AND assignee IS NULL`. Of two
 * people claiming at once exactly one row update succeeds; the other learns who holds it.
 */
export async function claimTask(db: Db, id: number, by: string): Promise<ClaimResult> {
  return db.transaction(async (trx) => {
    const changed = await trx('tasks').where({ id, status: 'open' }).whereNull('assignee').update({ assignee: by });
    if (changed !== 1) return explainMiss(trx, id);
    await recordAudit(trx, { actor: by, action: 'task.claim', taskId: id, orderNo: await taskOrderNo(trx, id) });
    return { kind: 'ok', assignee: by, previous: null };
  });
}

/**
 * Holds an open task for the person deciding it, atomically: `UPDATE … SET assignee = me WHERE
 * status = 'open' AND (assignee IS NULL OR assignee = me)`. So "claimed by someone else" is decided by
 * the database, not by a read that a concurrent claim can overtake (issue 13). `previous` is what
 * to restore when the decision is then refused.
 */
export async function holdForDecision(db: Db, id: number, by: string): Promise<ClaimResult> {
  return db.transaction(async (trx) => {
    const previous: string | null = (await trx('tasks').where({ id }).first('assignee'))?.assignee ?? null;
    const changed = await trx('tasks').where({ id, status: 'open' }).andWhere((q) => q.whereNull('assignee').orWhere('assignee', by)).update({ assignee: by });
    if (changed !== 1) return explainMiss(trx, id);
    return { kind: 'ok', assignee: by, previous };
  });
}

/** Undoes holdForDecision when the decision did not go through and the task was nobody's before. */
export async function releaseHold(db: Db, id: number, by: string, previous: string | null): Promise<void> {
  if (previous !== null) return;
  await db('tasks').where({ id, status: 'open', assignee: by }).update({ assignee: null });
}

/**
 * Release a claim. The holder releases their own; releasing someone else's claim (`force`) is a
 * supervisor's call and needs a reason, which the audit log keeps.
 */
export async function unclaimTask(db: Db, id: number, by: string, opts: { force?: boolean; reason?: string } = {}): Promise<ClaimResult> {
  return db.transaction(async (trx) => {
    const row = await trx('tasks').where({ id }).first('assignee', 'status');
    if (!row) return { kind: 'not_found' } as const;
    const previous: string | null = row.assignee ?? null;
    if (previous === null && row.status === 'open') return { kind: 'ok', assignee: null, previous: null } as const;
    if (previous !== by && !opts.force) return row.status === 'open' ? ({ kind: 'taken', assignee: previous } as const) : explainMiss(trx, id);
    const changed = await trx('tasks').where({ id, status: 'open', assignee: previous }).update({ assignee: null });
    if (changed !== 1) return explainMiss(trx, id);
    await recordAudit(trx, { actor: by, action: 'task.unclaim', taskId: id, orderNo: await taskOrderNo(trx, id), reason: opts.reason ?? null, data: { previous } });
    return { kind: 'ok', assignee: null, previous } as const;
  });
}

/**
 * Assign to a person (or take over). A compare-and-set on the assignee the supervisor saw, so an
 * assignment never silently overwrites a claim made a moment before.
 */
export async function assignTask(db: Db, id: number, input: { to: string; expected: string | null; by: string; reason?: string }): Promise<ClaimResult> {
  return db.transaction(async (trx) => {
    const q = trx('tasks').where({ id, status: 'open' });
    if (input.expected === null) q.whereNull('assignee');
    else q.where('assignee', input.expected);
    const changed = await q.update({ assignee: input.to });
    if (changed !== 1) return explainMiss(trx, id);
    await recordAudit(trx, { actor: input.by, action: 'task.assign', taskId: id, orderNo: await taskOrderNo(trx, id), subject: `user:${input.to}`, reason: input.reason ?? null, data: { previous: input.expected, to: input.to } });
    return { kind: 'ok', assignee: input.to, previous: input.expected };
  });
}

/** The audit rows of one task, oldest first (the task page's history). */
export async function taskAuditTrail(db: Db, taskId: number) {
  const rows = await db('audit_log').where({ task_id: taskId }).orderBy([{ column: 'at' }, { column: 'id' }]).limit(200);
  return rows.map((r: Record<string, any>) => ({ at: toIso(r.at)!, actor: r.actor as string, action: r.action as string, reason: (r.reason ?? null) as string | null }));
}

/** Open stockout tasks waiting on a SKU (the bulk page: "after a restock, release every back-order of a SKU"). */
export async function openTasksForBulk(db: Db, kind: string, opts: { sku?: string; limit: number }) {
  const q = db('tasks as t').join('orders as o', 'o.order_no', 't.order_no').where({ 't.status': 'open', 't.kind': kind });
  // The stockout context is {shortages: [{sku, …}]}; a LIKE on the JSON text works on SQLite and
  // PostgreSQL alike. `_` in a SKU is a LIKE wildcard: it can only over-match, and the rows are
  // checked exactly in code below.
  if (opts.sku) q.where('t.context_json', 'like', `%"sku":"${opts.sku.replace(/["\\%]/g, '')}"%`);
  const rows = await q.select('t.id', 't.order_no', 't.kind', 't.options_json', 't.default_option', 't.deadline', 't.created_at', 't.assignee', 't.context_json', 'o.type as order_type').orderBy([{ column: 't.created_at' }, { column: 't.id' }]).limit(opts.limit);
  return rows
    .map((r: Record<string, any>) => ({
      id: r.id as number,
      orderNo: r.order_no as string,
      kind: r.kind as string,
      options: parseJson<string[]>(r.options_json),
      defaultOption: r.default_option as string,
      deadline: toIso(r.deadline)!,
      createdAt: toIso(r.created_at)!,
      assignee: (r.assignee ?? null) as string | null,
      orderType: r.order_type as string,
      skus: skusOf(parseJson<Record<string, unknown>>(r.context_json)),
    }))
    .filter((r) => !opts.sku || r.skus.includes(opts.sku));
}

export function skusOf(context: Record<string, unknown>): string[] {
  const shortages = Array.isArray(context.shortages) ? (context.shortages as Array<Record<string, unknown>>) : [];
  return shortages.map((s) => String(s.sku ?? '')).filter(Boolean);
}
