import { WorkflowNotFoundError } from '@temporalio/client';
import { decodeSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { toIso } from '../../db/time';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { cancelOrder, CommandResult } from './order-commands';
import { TemporalGateway, workflowIdFor } from './order-intake';

/**
 * Orders that stopped moving without asking anybody (issue #4, found through Temporal since issue
 * 14): Temporal's visibility lists the order workflows that still run (by WorkflowType, TaskQueue and
 * the published search attribute BoxflowOrderStatus, skipping settled statuses), a page at a time;
 * one database query per page tells which of them have an open task (those are waiting for a person,
 * not stuck) and when their status last changed; only the quiet ones are described, for their
 * pending activities (attempt, next retry, last failure). An order is stuck when an activity keeps
 * retrying, or its status has not changed for longer than the threshold. Workflows that ended
 * (failed, terminated, timed out) while their published status was not settled are listed too, from
 * a second visibility query.
 *
 * The threshold is in business time: (BOXFLOW_STUCK_AFTER_MS, default 15 minutes) × BOXFLOW_TIME_SCALE.
 */

/** Statuses from which the order workflow no longer has fulfilment work to do (or waits for restock on purpose). */
export const SETTLED = ['shipped', 'delivered', 'returned', 'cancelled', 'failed', 'back_ordered', 'partially_shipped'];

export const ORDER_WORKFLOW_TYPE = 'orderFulfillment';
export const DEFAULT_STUCK_AFTER_MS = 15 * 60 * 1000;
/** An order quiet for this long (scaled) is described: a retrying activity shows up well before the threshold. */
const PROBE_AFTER_MS = 60 * 1000;
const DESCRIBE_CONCURRENCY = 8;
export const DEFAULT_PAGE_SIZE = 100;
/** Closed workflows looked at, newest first, for "ended but the order did not". */
const CLOSED_LOOKBACK_DAYS = 7;
const CLOSED_LIMIT = 50;
const VISIBILITY_DEADLINE_MS = 5_000;

/** The quiet threshold in ms: BOXFLOW_STUCK_AFTER_MS (default 15 min) scaled by the time scale. */
export function stuckAfterMs(env: NodeJS.ProcessEnv = process.env, timeScale = Number(env.BOXFLOW_TIME_SCALE) || 1): number {
  const raw = env.BOXFLOW_STUCK_AFTER_MS === undefined || env.BOXFLOW_STUCK_AFTER_MS === '' ? NaN : Number(env.BOXFLOW_STUCK_AFTER_MS);
  const base = Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_STUCK_AFTER_MS;
  return Math.round(base * timeScale);
}

export function temporalUiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/+$/, '');
}

export interface PendingActivityView {
  activityId: string;
  activityType: string;
  state: string;
  attempt: number;
  /** 0 = unlimited (Temporal's convention). */
  maximumAttempts: number;
  nextAttemptAt: string | null;
  lastFailure: string | null;
  lastStartedAt: string | null;
  paused: boolean;
}

export interface StuckOrder {
  orderNo: string;
  type: string;
  status: string;
  updatedAt: string;
  quietMs: number;
  reason: 'activity_retrying' | 'no_progress' | 'workflow_closed' | 'temporal_error';
  /** Why describe() failed. */
  error?: string;
  workflowId: string;
  workflowStatus: string | null;
  searchAttributes: Record<string, string>;
  pendingActivities: PendingActivityView[];
  temporalUrl: string;
}

export interface StuckPage {
  orders: StuckOrder[];
  /** Pass back as `pageToken` for the next page of running workflows; null on the last page. */
  nextPageToken: string | null;
  /** Running order workflows looked at for this page (visibility rows). */
  scanned: number;
  /** Describe calls made for this page (only quiet workflows without an open task). */
  described: number;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

const iso = (ts: unknown) => {
  const d = optionalTsToDate(ts as Parameters<typeof optionalTsToDate>[0]);
  return d ? d.toISOString() : null;
};

const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The visibility query of running order workflows on this task queue that are not settled. */
export function runningOrdersQuery(taskQueue: string): string {
  // IS NULL: a workflow no worker has picked up yet has published no status (the worst kind of stuck).
  return `WorkflowType = ${quote(ORDER_WORKFLOW_TYPE)} AND ExecutionStatus = 'Running' AND TaskQueue = ${quote(taskQueue)} AND (BoxflowOrderStatus IS NULL OR BoxflowOrderStatus NOT IN (${SETTLED.map(quote).join(', ')}))`;
}

export function closedUnsettledQuery(taskQueue: string, now: number): string {
  const since = new Date(now - CLOSED_LOOKBACK_DAYS * 86_400_000).toISOString();
  return `WorkflowType = ${quote(ORDER_WORKFLOW_TYPE)} AND ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut') AND TaskQueue = ${quote(taskQueue)} AND CloseTime > ${quote(since)} AND BoxflowOrderStatus NOT IN (${SETTLED.map(quote).join(', ')})`;
}

function attributesOf(indexed: Record<string, unknown> | null | undefined): Record<string, string> {
  const decoded = decodeSearchAttributes(indexed as never) as Record<string, unknown[] | undefined>;
  const out: Record<string, string> = {};
  for (const name of Object.keys(SEARCH_ATTRIBUTES)) {
    const v = decoded[name];
    if (v && v.length) out[name] = v.map(String).join(', ');
  }
  return out;
}

const orderNoOf = (workflowId: string) => (workflowId.startsWith('order-') ? workflowId.slice('order-'.length) : workflowId);

const WORKFLOW_STATUS: Record<number, string> = { 1: 'RUNNING', 2: 'COMPLETED', 3: 'FAILED', 4: 'CANCELLED', 5: 'TERMINATED', 6: 'CONTINUED_AS_NEW', 7: 'TIMED_OUT' };

/**
 * One page of stuck orders. `pageSize` running workflows are read from visibility per page (the page
 * may hold fewer stuck orders, or none: follow nextPageToken); the first page also lists workflows
 * that ended while their order had not (at most 50, last 7 days).
 */
export async function listStuckOrders(
  db: Db,
  temporal: TemporalGateway,
  opts: { stuckAfterMs?: number; now?: number; pageSize?: number; pageToken?: string | null } = {},
): Promise<StuckPage> {
  const now = opts.now ?? Date.now();
  const timeScale = temporal.policy?.timeScale ?? 1;
  const threshold = opts.stuckAfterMs ?? stuckAfterMs(process.env, timeScale);
  const probeAfter = Math.min(Math.round(PROBE_AFTER_MS * timeScale), threshold);
  const namespace = temporal.client.options.namespace;
  const service = temporal.client.workflowService;
  const ui = temporalUiUrl();
  const urlOf = (workflowId: string) => `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;

  // A deadline on each visibility call: a bad page token or a slow server must not hang the page
  // (the client would otherwise retry some errors for a long time).
  const list = (request: Parameters<typeof service.listWorkflowExecutions>[0]) =>
    temporal.client.connection.withDeadline(Date.now() + VISIBILITY_DEADLINE_MS, () => service.listWorkflowExecutions(request));
  const page = await list({
    namespace,
    query: runningOrdersQuery(temporal.taskQueue),
    pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
    nextPageToken: opts.pageToken ? Buffer.from(opts.pageToken, 'base64url') : undefined,
  });
  const executions = page.executions ?? [];
  const closed = opts.pageToken ? [] : ((await list({ namespace, query: closedUnsettledQuery(temporal.taskQueue, now), pageSize: CLOSED_LIMIT })).executions ?? []);

  const workflowIds = [...new Set([...executions, ...closed].map((e) => e.execution?.workflowId ?? '').filter(Boolean))];
  const rows = workflowIds.length
    ? await db('orders as o')
        .whereIn('o.workflow_id', workflowIds)
        .select('o.order_no', 'o.type', 'o.status', 'o.updated_at', 'o.workflow_id')
        .select(db.raw("exists (select 1 from tasks t where t.order_no = o.order_no and t.status = 'open') as has_open_task"))
    : [];
  const byWorkflow = new Map<string, Record<string, any>>(rows.map((r: Record<string, any>) => [r.workflow_id as string, r]));

  const base = (workflowId: string, row: Record<string, any> | undefined, attributes: Record<string, string>) => {
    const updatedAt = row ? toIso(row.updated_at)! : new Date(now).toISOString();
    return {
      orderNo: (row?.order_no as string) ?? orderNoOf(workflowId),
      type: (row?.type as string) ?? attributes.BoxflowOrderType ?? '',
      status: (row?.status as string) ?? attributes.BoxflowOrderStatus ?? '',
      updatedAt,
      quietMs: now - Date.parse(updatedAt),
      workflowId,
      searchAttributes: attributes,
      temporalUrl: urlOf(workflowId),
    };
  };

  const closedStuck: StuckOrder[] = [];
  for (const e of closed) {
    const workflowId = e.execution?.workflowId ?? '';
    const row = byWorkflow.get(workflowId);
    // The settlement schedule (or a compensation) may already have settled the database row.
    if (row && SETTLED.includes(row.status)) continue;
    closedStuck.push({ ...base(workflowId, row, attributesOf(e.searchAttributes?.indexedFields)), reason: 'workflow_closed', workflowStatus: WORKFLOW_STATUS[Number(e.status)] ?? String(e.status), pendingActivities: [] });
  }

  const quiet = executions.filter((e) => {
    const row = byWorkflow.get(e.execution?.workflowId ?? '');
    if (!row || Number(row.has_open_task)) return false; // waiting for a person (or not this app's order)
    if (SETTLED.includes(row.status)) return false;
    return now - Date.parse(toIso(row.updated_at)!) >= probeAfter;
  });
  const described = await mapLimit(quiet, DESCRIBE_CONCURRENCY, async (e): Promise<StuckOrder | null> => {
    const workflowId = e.execution!.workflowId!;
    const b = base(workflowId, byWorkflow.get(workflowId), attributesOf(e.searchAttributes?.indexedFields));
    let d;
    try {
      d = await temporal.client.workflow.getHandle(workflowId, e.execution?.runId ?? undefined).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null; // gone since the list (retention)
      // Temporal failing is not "no progress": say which, so nobody cancels a healthy order.
      return b.quietMs >= threshold ? { ...b, reason: 'temporal_error', error: (err as Error).message?.slice(0, 300) ?? String(err), workflowStatus: null, pendingActivities: [] } : null;
    }
    const pendingActivities: PendingActivityView[] = (d.raw.pendingActivities ?? []).map((a) => ({
      activityId: a.activityId ?? '',
      activityType: a.activityType?.name ?? '',
      state: String(a.state ?? ''),
      attempt: a.attempt ?? 0,
      maximumAttempts: a.maximumAttempts ?? 0,
      nextAttemptAt: iso(a.nextAttemptScheduleTime),
      lastFailure: a.lastFailure?.message ?? null,
      lastStartedAt: iso(a.lastStartedTime),
      paused: Boolean(a.paused),
    }));
    const workflowStatus = d.status.name;
    const retrying = pendingActivities.some((a) => a.attempt > 1 || a.lastFailure);
    const reason: StuckOrder['reason'] | null =
      workflowStatus !== 'RUNNING' ? 'workflow_closed' : retrying ? 'activity_retrying' : b.quietMs >= threshold ? 'no_progress' : null;
    return reason ? { ...b, reason, workflowStatus, pendingActivities } : null;
  });
  const token = page.nextPageToken && page.nextPageToken.length ? Buffer.from(page.nextPageToken).toString('base64url') : null;
  return {
    orders: [...closedStuck, ...described.filter((s): s is StuckOrder => s !== null)],
    nextPageToken: token,
    scanned: executions.length,
    described: quiet.length,
  };
}

/**
 * Every stuck order across pages (the `npm run stuck` report and the metrics gauge), up to
 * `maxScanned` running workflows read from visibility.
 */
export async function listAllStuckOrders(
  db: Db,
  temporal: TemporalGateway,
  opts: { stuckAfterMs?: number; now?: number; pageSize?: number; maxScanned?: number } = {},
): Promise<{ orders: StuckOrder[]; scanned: number; described: number; complete: boolean }> {
  const maxScanned = opts.maxScanned ?? 20_000;
  const all: StuckOrder[] = [];
  let token: string | null = null;
  let scanned = 0;
  let described = 0;
  do {
    const page: StuckPage = await listStuckOrders(db, temporal, { ...opts, pageToken: token });
    all.push(...page.orders);
    scanned += page.scanned;
    described += page.described;
    token = page.nextPageToken;
  } while (token && scanned < maxScanned);
  return { orders: all, scanned, described, complete: token === null };
}

/**
 * "Retry now": Temporal's ResetActivity (WorkflowService, server ≥ 1.27; the dev server 1.9.1 has
 * it) schedules a backing-off activity again at once, with attempt 1. Nothing in the workflow changes.
 */
export async function retryActivityNow(
  db: Db,
  temporal: TemporalGateway,
  input: { orderNo: string; activityId: string; by: string; reason: string },
): Promise<CommandResult<{ orderNo: string; activityId: string }>> {
  const order = await db('orders').where({ order_no: input.orderNo }).first('workflow_id');
  if (!order) return { kind: 'not_found', error: 'not_found', message: `no order ${input.orderNo}` };
  const workflowId: string = order.workflow_id ?? workflowIdFor(input.orderNo);
  try {
    await temporal.client.connection.workflowService.resetActivity({
      namespace: temporal.client.options.namespace,
      execution: { workflowId },
      identity: `boxflow-console:${input.by}`.slice(0, 200),
      id: input.activityId,
      resetHeartbeat: true,
    });
  } catch (err) {
    const e = err as { code?: number; details?: string; message?: string };
    // 12 = UNIMPLEMENTED (a server without the activity API), 5 = NOT_FOUND (the activity finished meanwhile).
    return { kind: 'conflict', error: e.code === 12 ? 'unsupported' : 'retry_refused', message: e.details || e.message || String(err) };
  }
  await recordAudit(db, { actor: input.by, action: 'order.retry_activity', orderNo: input.orderNo, subject: `activity:${input.activityId}`, reason: input.reason });
  return { kind: 'ok', body: { orderNo: input.orderNo, activityId: input.activityId } };
}

/** Cancel from the console: the same cancellation as the API, with who and why in the audit log. */
export async function cancelStuckOrder(
  db: Db,
  temporal: TemporalGateway,
  input: { orderNo: string; by: string; reason: string },
): Promise<CommandResult<{ orderNo: string; status: string }>> {
  const r = await cancelOrder(db, temporal, input.orderNo, { reason: input.reason, requestedBy: input.by });
  if (r.kind === 'ok') await recordAudit(db, { actor: input.by, action: 'order.cancel', orderNo: input.orderNo, reason: input.reason });
  return r;
}
