/**
 * `node dist/scripts/bench-lists.js [--rows 10000] [--rounds 15] [--at-once 20] [--readers 4]` (issue 15):
 * the list queries of the web pages, timed at the database layer, **interleaved** in one process:
 * each round runs every variant once, in random order, with `--at-once` calls at the same time, so
 * that every variant sees the same moments of the machine's load (on a shared machine, runs one after
 * the other do not). A fresh SQLite file in a temporary directory, filled as `npm run bench:inbox`
 * does (orders, one open task each, a shipment for every other order, some decided tasks).
 * Prints the median, min and max milliseconds per call of each variant; asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countOpenByKind, listInbox } from '../db/inbox';
import { createDb, createReadDb, Db, migrateToLatest } from '../db/knex';
import { listOrders, listOrderSummaries } from '../db/orders';
import { listTasks } from '../db/tasks';
import { fill } from './bench-inbox';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const rows = arg('rows', 10_000);
  const rounds = arg('rounds', 15);
  const atOnce = arg('at-once', 20);
  const readers = arg('readers', 4);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-bench-lists-'));
  const settings = { dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'app.sqlite')}` };
  const db = createDb(settings);
  await migrateToLatest(db);
  await fill(db, rows);
  const rd: Db = createReadDb(settings, db, readers);
  const inbox = { sort: 'deadline' as const, dir: 'asc' as const, page: 1, pageSize: 50 };
  const variants: Record<string, () => Promise<unknown>> = {
    'listOrders, all columns (writer)': () => listOrders(db, { limit: 50, offset: 0 }),
    'listOrderSummaries (writer)': () => listOrderSummaries(db, { limit: 50, offset: 0 }),
    [`listOrderSummaries (${readers} readers)`]: () => listOrderSummaries(rd, { limit: 50, offset: 0 }),
    'listInbox (writer)': () => listInbox(db, inbox),
    [`listInbox (${readers} readers)`]: () => listInbox(rd, inbox),
    'inbox count(*) of open tasks': () => db('tasks').where('status', 'open').count({ n: '*' }),
    'inbox count capped at 1,001': () => db.count({ n: '*' }).from(db('tasks').where('status', 'open').select(db.raw('1')).limit(1001).as('c')),
    'countOpenByKind (writer)': () => countOpenByKind(db),
    'listTasks open, 100 (writer)': () => listTasks(db, { status: 'open', limit: 100, offset: 0 }),
    [`listTasks open, 100 (${readers} readers)`]: () => listTasks(rd, { status: 'open', limit: 100, offset: 0 }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const f of Object.values(variants)) await f(); // warm the caches and the pools
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(variants).sort(() => Math.random() - 0.5);
    for (const name of names) {
      const t0 = process.hrtime.bigint();
      await Promise.all(Array.from({ length: atOnce }, () => variants[name]()));
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6 / atOnce);
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`${rows} rows, ${rounds} rounds, ${atOnce} calls at once; load average ${os.loadavg()[0].toFixed(1)}; ms per call: median (min – max)`);
  for (const [name, a] of Object.entries(times)) console.log(`${name.padEnd(36)} ${median(a).toFixed(2)} (${Math.min(...a).toFixed(2)} – ${Math.max(...a).toFixed(2)})`);
  if (rd !== db) await rd.destroy();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
