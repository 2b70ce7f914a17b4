/**
 * `npm run stuck`: the stuck-orders report from a terminal, the same list as the console's stuck-orders
 * page (web/services/stuck-orders.ts): running order workflows from Temporal's visibility, a page at a
 * time, described only when quiet and without an open task; every page is followed.
 *
 *   DATABASE_URL=… TEMPORAL_ADDRESS=host:port npm run stuck [-- --quiet-minutes 30] [--page-size 100] [--json]
 *
 * Without --quiet-minutes the threshold is BOXFLOW_STUCK_AFTER_MS (15 min) × BOXFLOW_TIME_SCALE.
 * Reads only. Exit code 0 when none is stuck, 2 when some are (for a cron job or a check).
 */
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../config/settings';
import { createDb, Db } from '../db/knex';
import { buildPolicy } from '../domain/policy';
import { listAllStuckOrders, StuckOrder, stuckAfterMs } from '../web/services/stuck-orders';
import type { TemporalGateway } from '../web/services/order-intake';
import { temporalConnectionOptions } from '../worker/temporal-connection';

export interface StuckReport {
  thresholdMs: number;
  scanned: number;
  described: number;
  complete: boolean;
  orders: StuckOrder[];
}

export async function stuckReport(db: Db, temporal: TemporalGateway, opts: { quietMinutes?: number; pageSize?: number } = {}): Promise<StuckReport> {
  const thresholdMs = opts.quietMinutes !== undefined ? opts.quietMinutes * 60_000 : stuckAfterMs(process.env, temporal.policy.timeScale);
  const r = await listAllStuckOrders(db, temporal, { stuckAfterMs: thresholdMs, pageSize: opts.pageSize });
  return { thresholdMs, ...r };
}

const minutes = (ms: number) => `${Math.round(ms / 6_000) / 10} min`;

export function formatStuckReport(r: StuckReport): string {
  const out = [`stuck orders: ${r.orders.length} (quiet threshold ${minutes(r.thresholdMs)}; ${r.scanned} running order workflows looked at, ${r.described} described${r.complete ? '' : '; stopped before the last page'})`];
  for (const s of r.orders) {
    out.push(`  ${s.orderNo}  ${s.status}  ${s.reason}  quiet ${minutes(s.quietMs)}  ${s.workflowId}${s.workflowStatus && s.workflowStatus !== 'RUNNING' ? ` (${s.workflowStatus})` : ''}`);
    for (const a of s.pendingActivities) {
      out.push(`      ${a.activityType} attempt ${a.attempt}/${a.maximumAttempts || '∞'}${a.nextAttemptAt ? ` next ${a.nextAttemptAt}` : ''}${a.lastFailure ? ` last failure: ${a.lastFailure}` : ''}`);
    }
    if (s.error) out.push(`      ${s.error}`);
    out.push(`      ${s.temporalUrl}`);
  }
  return out.join('\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const settings = loadSettings();
  const db = createDb(settings);
  const address = settings.temporal.address ?? 'localhost:7233';
  const connection = await Connection.connect(temporalConnectionOptions(settings.temporal, address));
  try {
    const client = new Client({ connection, namespace: settings.temporal.namespace });
    const policy = buildPolicy({ timeScale: settings.timeScale });
    const quiet = arg('--quiet-minutes');
    const pageSize = arg('--page-size');
    const report = await stuckReport(db, { client, taskQueue: settings.temporal.taskQueue, policy }, {
      quietMinutes: quiet !== undefined ? Number(quiet) : undefined,
      pageSize: pageSize !== undefined ? Number(pageSize) : undefined,
    });
    console.log(process.argv.includes('--json') ? JSON.stringify(report, null, 2) : formatStuckReport(report));
    process.exitCode = report.orders.length ? 2 : 0;
  } finally {
    await connection.close();
    await db.destroy();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[stuck] failed:', err);
    process.exit(1);
  });
}
