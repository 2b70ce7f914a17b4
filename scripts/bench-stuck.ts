/**
 * `npm run bench:stuck`: how fast the stuck-orders page and report are with many orders in flight
 * (issue 14). Starts its own Temporal dev server and SQLite database, writes N orders quiet for an
 * hour and starts their workflows on a task queue no worker polls (so every one of them is stuck:
 * the worst case, each listed row is described), then times:
 * - the first page (100 workflows from visibility, one DB query, up to 100 describe() calls),
 * - a page deep in the list (following page tokens),
 * - the full scan that `npm run stuck` and the boxflow_stuck_orders gauge do.
 * Prints a JSON summary. Not part of npm test.
 *
 *   npm run bench:stuck [-- --orders 10000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb, migrateToLatest } from '../db/knex';
import { dbTime } from '../db/time';
import { buildPolicy } from '../domain/policy';
import { listAllStuckOrders, listStuckOrders, runningOrdersQuery } from '../web/services/stuck-orders';
import { startDevServer } from './dev-server';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

async function main() {
  const n = arg('--orders', 10_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-bench-stuck-'));
  const server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), headless: true, logFile: path.join(dir, 'temporal.log') });
  const db = createDb({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'app.sqlite')}` });
  const connection = await Connection.connect({ address: server.address });
  try {
    await migrateToLatest(db);
    const client = new Client({ connection });
    const taskQueue = 'bench-stuck-no-worker';
    const temporal = { client, taskQueue, policy: buildPolicy({ timeScale: 1 }) };
    const quietSince = dbTime(Date.now() - 60 * 60_000);
    const orderNos = Array.from({ length: n }, (_, i) => `BENCH-${String(i).padStart(6, '0')}`);
    for (let i = 0; i < n; i += 500) {
      await db('orders').insert(
        orderNos.slice(i, i + 500).map((orderNo) => ({
          order_no: orderNo, workflow_id: `order-${orderNo}`, type: 'retail', status: 'picking', currency: 'CNY', total_amount: 69,
          customer_json: '{}', shipping_address_json: '{}', customer_phone: '0', destination_country: 'CN', payment_method: 'card',
          payment_token: 'tok', request_hash: 'x', created_at: quietSince, updated_at: quietSince,
        })),
      );
    }
    const [, startMs] = await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < n) {
            const orderNo = orderNos[next++];
            await client.workflow.start('orderFulfillment', { taskQueue, workflowId: `order-${orderNo}`, args: [{}] });
          }
        }),
      );
    });
    // Visibility is eventually consistent: wait until it lists them all.
    for (;;) {
      const { count } = await client.workflow.count(runningOrdersQuery(taskQueue));
      if (count >= n) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const firstPages: number[] = [];
    let first;
    for (let i = 0; i < 5; i++) {
      const [page, ms] = await timed(() => listStuckOrders(db, temporal, {}));
      first = page;
      firstPages.push(ms);
    }
    // Follow tokens to the middle of the list, then time that page.
    let token = first!.nextPageToken;
    for (let i = 1; i < Math.floor(n / 200) && token; i++) token = (await listStuckOrders(db, temporal, { pageToken: token })).nextPageToken;
    const [deep, deepMs] = await timed(() => listStuckOrders(db, temporal, { pageToken: token }));
    const [all, fullMs] = await timed(() => listAllStuckOrders(db, temporal, {}));
    firstPages.sort((a, b) => a - b);
    console.log(JSON.stringify({
      ordersInFlight: n,
      workflowStartsPerSecond: Math.round(n / (startMs / 1000)),
      firstPage: { medianMs: Math.round(firstPages[2]), scanned: first!.scanned, described: first!.described, stuckOnPage: first!.orders.length },
      deepPage: { ms: Math.round(deepMs), scanned: deep.scanned, described: deep.described },
      fullScan: { ms: Math.round(fullMs), scanned: all.scanned, described: all.described, stuck: all.orders.length, complete: all.complete },
      machine: { cpus: os.cpus().length, node: process.version },
    }, null, 2));
  } finally {
    await connection.close();
    await db.destroy();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error('[bench:stuck] failed:', err);
  process.exit(1);
});
