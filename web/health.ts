/**
 * For a process manager or a load balancer:
 * - GET /healthz: the process is alive and serving (no dependencies checked: restart it if this fails);
 * - GET /readyz: it can do its work: the app database answers, its migrations are all applied,
 *   Temporal answers, and at least one worker polls the task queue (DescribeTaskQueue pollers seen in
 *   the last READY_POLLER_WINDOW_MS). 200 with each check, or 503 naming the failing ones.
 */
import { Router } from 'express';
import { temporal as proto } from '@temporalio/proto';
import type { Db } from '../db/knex';
import { migrationSource } from '../migrations';
import type { TemporalGateway } from './services/order-intake';

const CHECK_TIMEOUT_MS = 3000;
/** A worker long-polls at least once a minute; Temporal keeps a stopped poller listed for minutes. */
export const READY_POLLER_WINDOW_MS = 90_000;

export interface Check {
  ok: boolean;
  error?: string;
  [detail: string]: unknown;
}

export interface Readiness {
  ok: boolean;
  checks: { database: Check; migrations: Check; temporal: Check; worker: Check };
}

function withTimeout<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    }),
  ]);
}

const short = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 200);

export async function checkReadiness(db: Db, temporal: Pick<TemporalGateway, 'client' | 'taskQueue'>, now = Date.now()): Promise<Readiness> {
  const [database, migrations, queue] = await Promise.all([
    withTimeout('the database', db.raw('select 1')).then(() => ({ ok: true }), (err) => ({ ok: false, error: short(err) })),
    withTimeout('the database', db.migrate.list({ migrationSource }) as Promise<[unknown[], Array<[string] | { file?: string }>]>).then(
      ([, pending]) => ({ ok: pending.length === 0, pending: pending.map((p) => (Array.isArray(p) ? p[0] : p.file)) }),
      (err) => ({ ok: false, error: short(err) }),
    ),
    withTimeout(
      'Temporal',
      // The deadline ends the call itself (the client would otherwise keep retrying an unreachable server).
      temporal.client.connection.withDeadline(now + CHECK_TIMEOUT_MS, () =>
        temporal.client.workflowService.describeTaskQueue({
          namespace: temporal.client.options.namespace,
          taskQueue: { name: temporal.taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      ),
    ).then(
      (r) => ({ ok: true as const, pollers: r.pollers ?? [] }),
      (err) => ({ ok: false as const, error: short(err) }),
    ),
  ]);
  let temporalCheck: Check;
  let worker: Check;
  if (queue.ok) {
    temporalCheck = { ok: true };
    const recent = queue.pollers.filter((p) => {
      const t = p.lastAccessTime;
      const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
      return now - ms <= READY_POLLER_WINDOW_MS;
    });
    worker = recent.length
      ? { ok: true, taskQueue: temporal.taskQueue, pollers: recent.length }
      : { ok: false, taskQueue: temporal.taskQueue, pollers: 0, error: `no worker has polled task queue "${temporal.taskQueue}" in the last ${READY_POLLER_WINDOW_MS / 1000} s` };
  } else {
    temporalCheck = { ok: false, error: queue.error };
    worker = { ok: false, taskQueue: temporal.taskQueue, error: 'unknown: Temporal did not answer' };
  }
  const checks = { database, migrations, temporal: temporalCheck, worker };
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

export function healthRoutes(db: Db, temporal: Pick<TemporalGateway, 'client' | 'taskQueue'>): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });
  r.get('/readyz', async (_req, res, next) => {
    try {
      const readiness = await checkReadiness(db, temporal);
      res.set('Cache-Control', 'no-store').status(readiness.ok ? 200 : 503).json(readiness);
    } catch (err) {
      next(err);
    }
  });
  return r;
}
