import { WorkflowNotFoundError } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { dbTime, toIso } from '../../db/time';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { cancelOrder, CommandResult } from './order-commands';
import { TemporalGateway, workflowIdFor } from './order-intake';

/**
 * Orders that stopped moving without asking anybody (issue #4): no open task, not in a final state,
 * and either an activity Temporal keeps retrying (a carrier API down) or no status change for longer
 * than the threshold. The database finds the quiet candidates cheaply; Temporal's describe() then
 * tells, for each, what it is doing: pending activities with attempt, next retry and last failure,
 * and the search attributes the workflow published (BoxflowOrderStatus, BoxflowCarrier, …).
 */

/** Statuses from which the order workflow no longer has fulfilment work to do (or waits for restock on purpose). */
const SETTLED = ['shipped', 'delivered', 'returned', 'cancelled', 'failed', 'back_ordered', 'partially_shipped'];

export const DEFAULT_STUCK_AFTER_MS = 15 * 60 * 1000;
/** An order quiet for this long is described: a retrying activity shows up well before the threshold. */
const PROBE_AFTER_MS = 60 * 1000;
const MAX_CANDIDATES = 200;
const DESCRIBE_CONCURRENCY = 8;

export function stuckAfterMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number(env.BOXFLOW_STUCK_AFTER_MS);
  return Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_STUCK_AFTER_MS;
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
  reason: 'activity_retrying' | 'no_progress' | 'workflow_closed' | 'workflow_missing' | 'temporal_error';
  /** Why describe() failed, when it did for another reason than a missing workflow. */
  error?: string;
  workflowId: string;
  workflowStatus: string | null;
  searchAttributes: Record<string, string>;
  pendingActivities: PendingActivityView[];
  temporalUrl: string;
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

export async function listStuckOrders(db: Db, temporal: TemporalGateway, opts: { stuckAfterMs?: number; now?: number } = {}): Promise<StuckOrder[]> {
  const now = opts.now ?? Date.now();
  const threshold = opts.stuckAfterMs ?? stuckAfterMs();
  const probeAfter = Math.min(PROBE_AFTER_MS, threshold);
  const candidates = await db('orders as o')
    .whereNotIn('o.status', SETTLED)
    .where('o.updated_at', '<=', dbTime(now - probeAfter))
    .whereNotExists((q) => q.select(db.raw('1')).from('tasks as t').whereRaw('t.order_no = o.order_no').andWhere('t.status', 'open'))
    .select('o.order_no', 'o.type', 'o.status', 'o.updated_at', 'o.workflow_id')
    .orderBy('o.updated_at')
    .limit(MAX_CANDIDATES);
  const ui = temporalUiUrl();
  const namespace = temporal.client.options.namespace;
  const described = await mapLimit(candidates, DESCRIBE_CONCURRENCY, async (c: Record<string, any>): Promise<StuckOrder | null> => {
    const updatedAt = toIso(c.updated_at)!;
    const quietMs = now - Date.parse(updatedAt);
    const workflowId: string = c.workflow_id ?? workflowIdFor(c.order_no);
    const base = {
      orderNo: c.order_no as string,
      type: c.type as string,
      status: c.status as string,
      updatedAt,
      quietMs,
      workflowId,
      temporalUrl: `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    };
    let d;
    try {
      d = await temporal.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      // Temporal unreachable is not "no workflow": say which, so nobody cancels a healthy order.
      if (!(err instanceof WorkflowNotFoundError)) {
        return quietMs >= threshold ? { ...base, reason: 'temporal_error', error: (err as Error).message?.slice(0, 300) ?? String(err), workflowStatus: null, searchAttributes: {}, pendingActivities: [] } : null;
      }
      return quietMs >= threshold ? { ...base, reason: 'workflow_missing', workflowStatus: null, searchAttributes: {}, pendingActivities: [] } : null;
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
    const searchAttributes: Record<string, string> = {};
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) {
      const v = (d.searchAttributes as Record<string, unknown[] | undefined>)[name];
      if (v && v.length) searchAttributes[name] = v.map(String).join(', ');
    }
    const workflowStatus = d.status.name;
    const retrying = pendingActivities.some((a) => a.attempt > 1 || a.lastFailure);
    const reason: StuckOrder['reason'] | null =
      workflowStatus !== 'RUNNING' ? 'workflow_closed' : retrying ? 'activity_retrying' : quietMs >= threshold ? 'no_progress' : null;
    return reason ? { ...base, reason, workflowStatus, searchAttributes, pendingActivities } : null;
  });
  return described.filter((s): s is StuckOrder => s !== null);
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
