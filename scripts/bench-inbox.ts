/**
 * `npm run bench:inbox` (issue #4): the supervisor console's inbox with 10,000 open tasks.
 *
 *   node dist/scripts/bench-inbox.js [--tasks 10000] [--sequential 200] [--concurrent 2000] [--connections 10]
 *
 * Fills a fresh SQLite database (under a temporary directory) with orders and one open task each
 * (mixed kinds, types, carriers, deadlines, a third claimed), starts the web app in a child process
 * on a free port (so the load generator shares no event loop with what it measures), signs in as a
 * supervisor and measures GET /console pages: first page, a filtered page, a deep page and "mine".
 * Each page: a bounded number of sequential requests (median and p99 of our own timings), then a
 * bounded number of requests over several connections with autocannon (its median and p99).
 * Not a test: it prints figures, it asserts nothing. Only 127.0.0.1 is ever a target.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../config/settings';
import { createDb, Db, migrateToLatest } from '../db/knex';
import { seedDemoCatalog } from '../db/seed';
import { dbTime } from '../db/time';
import { createUser } from '../db/users';
import { TASK_KINDS } from '../domain/tasks';
import { generatePassword, hashPassword } from '../web/auth/passwords';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

export async function fill(db: Db, n: number): Promise<void> {
  const kinds = Object.keys(TASK_KINDS);
  const carriers = ['SF', 'YTO', 'DHL', 'FEDEX'];
  const now = Date.now();
  const orders: Record<string, unknown>[] = [];
  const tasks: Record<string, unknown>[] = [];
  const shipments: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const orderNo = `BENCH${String(i).padStart(6, '0')}`;
    const created = dbTime(now - (i % 720) * 60_000);
    const kind = kinds[i % kinds.length];
    const spec = (TASK_KINDS as Record<string, { options: readonly string[]; defaultOption: string; priority: number }>)[kind];
    orders.push({
      order_no: orderNo, workflow_id: `order-${orderNo}`, type: i % 5 === 0 ? 'group_buy' : 'retail', status: 'on_hold', currency: 'CNY', total_amount: 138,
      customer_json: '{"name":"王小明","phone":"13800138000"}', shipping_address_json: '{"name":"王小明","line1":"世纪大道 100 号","city":"上海","postalCode":"200120","country":"CN"}',
      customer_phone: '13800138000', destination_country: 'CN', payment_method: 'card', payment_token: 'tok_paid', request_hash: 'x'.repeat(64),
      at_risk: i % 17 === 0, created_at: created, updated_at: created,
    });
    tasks.push({
      order_no: orderNo, kind, status: 'open', options_json: JSON.stringify(spec.options), default_option: spec.defaultOption,
      deadline: dbTime(now + ((i * 7919) % (8 * 3600)) * 1000 - 600_000), context_json: kind === 'stockout' ? '{"shortages":[{"sku":"BB-MOLLY-SPACE","requested":2,"available":0}]}' : '{}',
      priority: spec.priority, assignee: i % 3 === 0 ? (i % 2 === 0 ? 'bench.lead' : 'zhao.li') : null, workflow_key: `bench:${orderNo}`, workflow_id: `order-${orderNo}`, created_at: created,
    });
    if (i % 2 === 0) {
      shipments.push({ id: `${orderNo}-1`, order_no: orderNo, parcel_index: 1, status: 'labelled', carrier: carriers[i % carriers.length], weight_grams: 500, volume_cm3: 1000, items_json: '[]', created_at: created });
    }
  }
  await db.batchInsert('orders', orders, 500);
  await db.batchInsert('tasks', tasks, 500);
  await db.batchInsert('shipments', shipments, 500);
  // Some decided history, as a live inbox has: it must not slow the open-task queries.
  const decided = Math.min(2000, n);
  for (let i = 0; i < decided; i += 200) {
    await db('tasks').insert(
      tasks.slice(i, Math.min(i + 200, decided)).map((t, j) => ({ ...t, status: 'decided', decision: t.default_option, decided_by: 'bench.lead', decided_at: dbTime(), workflow_key: `bench-done:${i + j}` })),
    );
  }
}

/** The child: the real app (all pages, CSP, sessions, CSRF) on a free port, no Temporal needed for the inbox. */
async function serveChild(dataDir: string): Promise<void> {
  const { Client, Connection } = await import('@temporalio/client');
  const { createApp } = await import('../web/app');
  const { buildPolicy } = await import('../domain/policy');
  const settings = loadSettings({ ...process.env, BOXFLOW_DATA_DIR: dataDir, DATABASE_URL: `sqlite:${path.join(dataDir, 'bench.sqlite')}` });
  const db = createDb(settings);
  // Lazy: the inbox never talks to Temporal; nothing connects unless a page asks.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = createApp({ db, temporal: { client, taskQueue: 'bench', policy: buildPolicy({ timeScale: 1, stockoutDefault: undefined }) }, apiKey: 'bench-inbox-key-0123456789abcdef-boxflow', dataDir });
  const server = http.createServer(app).listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  });
}

function startChild(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [__filename, '--serve', dataDir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`web child exited ${code}`)));
  });
}

async function signIn(base: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${base}/login`);
  const anon = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: anon },
    body: new URLSearchParams({ _csrf: csrf, username, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(base: string, cookie: string, label: string, pathAndQuery: string, sequential: number, concurrent: number, connections: number) {
  // autocannon ships no types: the part used here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as (o: Record<string, unknown>) => Promise<{ latency: { p50: number; p99: number }; requests: { average: number }; non2xx: number }>;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < sequential; i++) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${base}${pathAndQuery}`, { headers: { cookie, 'accept-language': 'zh-CN' } });
    const body = await res.text();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) throw new Error(`${pathAndQuery} → ${res.status}`);
    bytes = body.length;
  }
  times.sort((a, b) => a - b);
  const r = await autocannon({ url: `${base}${pathAndQuery}`, connections, amount: concurrent, headers: { cookie, 'accept-language': 'zh-CN' } });
  return {
    page: label,
    url: pathAndQuery,
    html_kB: Math.round(bytes / 102.4) / 10,
    seq_median_ms: Math.round(pct(times, 50) * 10) / 10,
    seq_p99_ms: Math.round(pct(times, 99) * 10) / 10,
    [`c${connections}_median_ms`]: r.latency.p50,
    [`c${connections}_p99_ms`]: r.latency.p99,
    [`c${connections}_req_per_s`]: Math.round(r.requests.average),
    non2xx: r.non2xx,
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') return serveChild(process.argv[3]);
  const n = arg('tasks', 10_000);
  const sequential = arg('sequential', 200);
  const concurrent = arg('concurrent', 2000);
  const connections = arg('connections', 10);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-bench-inbox-'));
  const settings = loadSettings({ ...process.env, BOXFLOW_DATA_DIR: dataDir, DATABASE_URL: `sqlite:${path.join(dataDir, 'bench.sqlite')}` });
  const db = createDb(settings);
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  const t0 = Date.now();
  await fill(db, n);
  const password = generatePassword();
  await createUser(db, { username: 'bench.lead', displayName: 'Bench Lead', role: 'supervisor', passwordHash: await hashPassword(password) });
  const [{ c }] = await db('tasks').where({ status: 'open' }).count({ c: '*' });
  process.stderr.write(`filled ${c} open tasks in ${Date.now() - t0} ms (${dataDir})\n`);
  await db.destroy();

  const { child, port } = await startChild(dataDir);
  const base = `http://127.0.0.1:${port}`;
  try {
    const cookie = await signIn(base, 'bench.lead', password);
    // Warm up (template compile, SQLite page cache) before measuring.
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/console`, { headers: { cookie } })).text();
    const rows = [];
    for (const [label, url] of [
      ['first page (deadline order)', '/console'],
      ['filtered: stockout, retail, at risk', '/console?kind=stockout&type=retail&risk=1'],
      ['filtered: carrier SF, unassigned, by priority', '/console?carrier=SF&unassigned=1&sort=priority'],
      ['deep page 150 (by age)', '/console?sort=age&page=150'],
      ['mine', '/console?mine=1'],
    ] as const) {
      rows.push(await measure(base, cookie, label, url, sequential, concurrent, connections));
      process.stderr.write(`measured ${label}\n`);
    }
    console.table(rows);
    console.log(JSON.stringify({ openTasks: Number(c), sequential, concurrent, connections, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rows }, null, 2));
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
