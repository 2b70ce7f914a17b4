/**
 * `npm run bench`: BoxFlow's throughput against bare Temporal, and its web pages against a bare
 * express route, in one run against one dev server (see docs/performance.md).
 *
 *   node dist/scripts/bench.js [--orders 500] [--concurrency 50] [--web-rows 10000] [--web-seconds 10]
 *       [--web-rate 200] [--web-connections 10] [--pragma synchronous=OFF …] [--worker-options '{"…":…}']
 *       [--web-env NODE_ENV=production] [--app-synchronous NORMAL] [--drop-index orders_created_at_idx]
 *       [--skip-flow] [--skip-web] [--out bench.json] [--keep] [--address 127.0.0.1:7233]
 *
 * --address: measure against that Temporal server (e.g. `npm run cluster -- start`'s, the real server
 * on PostgreSQL) instead of starting a dev server; its namespace needs BoxFlow's search attributes.
 *
 * Progress goes to stderr, the JSON summary to stdout (and to --out). Processes measured run on their
 * own: the dev server, a worker process (BoxFlow's, then the baseline's), the web process (dist/web/server.js)
 * and a bare express process, so that peak RSS is per process and the load generator shares no event
 * loop with what it measures. Only 127.0.0.1 is ever a target.
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import type { Settings } from '../config/settings';
import { loadSettings } from '../config/settings';
import { createDb, Db, migrateToLatest } from '../db/knex';
import { seedDemoCatalog } from '../db/seed';
import { dbTime, toIso } from '../db/time';
import { TASK_KINDS } from '../domain/tasks';
import { devServerPragmas, freePort, startDevServer } from './dev-server';

const API_KEY = 'bench-api-key-0123456789abcdef-boxflow';
/** The five durable side effects any fulfillment needs: reserve, charge, book, hand over, notify. */
const FIVE_STEPS = 5;
const SKU = 'BB-MOLLY-SPACE';

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  orders: number;
  concurrency: number;
  webRows: number;
  webSeconds: number;
  webRate: number;
  webConnections: number;
  pragmas: string[];
  workerOptions: Record<string, unknown>;
  /** PRAGMA synchronous for the worker's app database connection (default: SQLite's, FULL). */
  appSynchronous?: string;
  /** Indexes dropped from the web database before measuring (to show what an index is worth). */
  dropIndexes: string[];
  /** Extra environment for the measured web process (e.g. NODE_ENV=production: EJS caches compiled views). */
  webEnv: Record<string, string>;
  skipFlow: boolean;
  skipWeb: boolean;
  out?: string;
  keep: boolean;
  /** A running Temporal server to measure against (default: a dev server started for the run). */
  address?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { orders: 500, concurrency: 50, webRows: 10_000, webSeconds: 10, webRate: 200, webConnections: 10, pragmas: [], workerOptions: {}, webEnv: {}, dropIndexes: [], skipFlow: false, skipWeb: false, keep: false };
  const int = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--orders': o.orders = int(a, next(), 1, 100_000); break;
      case '--concurrency': o.concurrency = int(a, next(), 1, 1000); break;
      case '--web-rows': o.webRows = int(a, next(), 0, 1_000_000); break;
      case '--web-seconds': o.webSeconds = int(a, next(), 1, 600); break;
      case '--web-rate': o.webRate = int(a, next(), 1, 100_000); break;
      case '--web-connections': o.webConnections = int(a, next(), 1, 1000); break;
      case '--pragma': {
        const p = next();
        if (!/^[a-z_]+=[A-Za-z0-9_-]+$/.test(p ?? '')) throw new Error(`--pragma wants NAME=VALUE, got "${p}"`);
        o.pragmas.push(p);
        break;
      }
      case '--worker-options': o.workerOptions = JSON.parse(next() ?? '{}'); break;
      case '--app-synchronous': {
        const v = next() ?? '';
        if (!['OFF', 'NORMAL', 'FULL'].includes(v)) throw new Error('--app-synchronous wants OFF, NORMAL or FULL');
        o.appSynchronous = v;
        break;
      }
      case '--drop-index': {
        const name = next() ?? '';
        if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`--drop-index wants an index name, got "${name}"`);
        o.dropIndexes.push(name);
        break;
      }
      case '--web-env': {
        const kv = next() ?? '';
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(kv);
        if (!m) throw new Error(`--web-env wants NAME=VALUE, got "${kv}"`);
        o.webEnv[m[1]] = m[2];
        break;
      }
      case '--skip-flow': o.skipFlow = true; break;
      case '--skip-web': o.skipWeb = true; break;
      case '--out': o.out = next(); break;
      case '--keep': o.keep = true; break;
      case '--address': {
        const v = next() ?? '';
        if (!/^[A-Za-z0-9.-]+:[0-9]+$/.test(v)) throw new Error(`--address wants host:port, got "${v}"`);
        o.address = v;
        break;
      }
      case '--help':
        console.error(fs.readFileSync(__filename, 'utf8').split('*/')[0]);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a} (try --help)`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Small tools

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/** Resident memory of a process from /proc (Linux): current and the kernel's high-water mark, in MB. */
function rssOf(pid: number | undefined): { rss: number; hwm: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples the peak RSS of some processes while a phase runs. */
export function rssSampler(pids: Record<string, () => number | undefined>) {
  const peak: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const r = rssOf(pid());
      if (r && Number.isFinite(r.rss)) peak[name] = Math.max(peak[name] ?? 0, r.rss);
    }
  };
  sample();
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, round(v)]));
    },
  };
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/** A child node process of this script (role worker / bare-web) or of the web entry point. */
export function spawnNode(script: string, args: string[], env: Record<string, string>, logFile: string, readyText: string): { child: ChildProcess; ready: Promise<void> } {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', out] });
  const ready = new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      fs.appendFileSync(logFile, chunk);
      seen += chunk.toString();
      if (seen.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${path.basename(script)} ${args.join(' ')} exited early (${code}); see ${logFile}`)));
  });
  return { child, ready };
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Roles run as child processes

/** `--role worker`: BoxFlow's worker or the baseline's, with the bench's worker options. */
async function runWorkerRole(): Promise<void> {
  const { Runtime, DefaultLogger, NativeConnection, Worker } = await import('@temporalio/worker');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const kind = process.env.BENCH_KIND;
  const address = process.env.TEMPORAL_ADDRESS!;
  const bundle = process.env.BENCH_BUNDLE!;
  const overrides = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}');
  const settings = loadSettings();
  let db: Db | undefined;
  let worker: import('@temporalio/worker').Worker;
  let connection: { close(): Promise<void> };
  if (kind === 'boxflow') {
    const { createFulfillmentWorker } = await import('../worker/create-worker');
    db = createDb(settings);
    // The pool holds one connection (SQLite), so a PRAGMA set here stays for the whole run.
    if (process.env.BENCH_APP_SYNCHRONOUS) await db.raw(`PRAGMA synchronous = ${process.env.BENCH_APP_SYNCHRONOUS}`);
    ({ worker, connection } = await createFulfillmentWorker({ settings, db, address, workflowBundlePath: bundle, overrides }));
  } else {
    const native = await NativeConnection.connect({ address });
    connection = native;
    worker = await Worker.create({
      connection: native,
      namespace: settings.temporal.namespace,
      taskQueue: settings.temporal.taskQueue,
      workflowBundle: { codePath: bundle },
      activities: { async noop() {} },
      ...overrides,
    });
  }
  console.log(`[bench-worker] ${kind} polling ${settings.temporal.taskQueue}`);
  await worker.run();
  await connection.close();
  await db?.destroy();
}

/** `--role bare-web`: the comparison for the pages, express with one route and nothing else. */
async function runBareWebRole(): Promise<void> {
  const express = (await import('express')).default;
  const app = express();
  app.disable('x-powered-by');
  app.get('/bare', (_req, res) => {
    res.json({ ok: true });
  });
  const port = Number(process.env.PORT);
  app.listen(port, '127.0.0.1', () => console.log(`[bare-web] listening on ${port}`));
}

// ---------------------------------------------------------------------------------------------
// Throughput: BoxFlow orders vs the baseline workflow

interface FlowResult {
  completed: number;
  failed: number;
  wallSeconds: number;
  ordersPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  peakRssMb: { worker?: number; devServer?: number; web?: number };
}

export function sampleOrderBody(orderNo: string) {
  return {
    orderNo,
    type: 'retail',
    customer: { name: '王小明', phone: '13800138000', email: 'xm@example.cn' },
    shippingAddress: { name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号', city: '上海', province: '上海', postalCode: '200120', country: 'CN' },
    lines: [{ sku: SKU, quantity: 2, unitPrice: 69 }],
    currency: 'CNY',
    payment: { method: 'card', token: 'tok_paid' },
    // Sandbox adapters at zero latency: what is measured is BoxFlow and Temporal, not a fake carrier's sleep.
    sandbox: { carrierLatencyMs: 0 },
  };
}

/** How a unit of work is known to be done, and when it was: server or database clock, same machine. */
type Completion =
  | { kind: 'workflow' }
  | { kind: 'shipped'; shippedAt(ids: string[]): Promise<Map<string, number>> };

/**
 * Submits `count` units of work with `concurrency` in flight and waits until each is done: the
 * baseline when its workflow closes (its close time), an order when it reaches `shipped` (the
 * `shipped_at` BoxFlow writes; its workflow may go on following the parcels). Latency is that time
 * minus the moment its submission began here.
 */
async function drive(
  label: string,
  client: Client,
  count: number,
  concurrency: number,
  submit: (i: number) => Promise<string>,
  completion: Completion,
): Promise<{ latencies: number[]; failed: number; firstStart: number; lastEnd: number }> {
  const started: number[] = new Array(count);
  const ids: string[] = new Array(count);
  const ended = new Map<string, number>();
  const failedIds = new Set<string>();
  let submitted = 0;
  const t0 = Date.now();
  const ticker = setInterval(() => log(`${label}: ${submitted}/${count} submitted, ${ended.size + failedIds.size} done, ${submitted - ended.size - failedIds.size} in flight, ${round((Date.now() - t0) / 1000)} s`), 2000);
  const waits: Array<Promise<void>> = [];
  try {
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      concurrency,
      async (i) => {
        started[i] = Date.now();
        const workflowId = await submit(i);
        ids[i] = workflowId;
        submitted++;
        if (completion.kind === 'workflow') {
          const handle: WorkflowHandle = client.workflow.getHandle(workflowId);
          waits.push(
            handle.result().then(
              async () => {
                const d = await handle.describe();
                ended.set(workflowId, d.closeTime?.getTime() ?? Date.now());
              },
              () => {
                failedIds.add(workflowId);
              },
            ),
          );
        }
      },
    );
    if (completion.kind === 'workflow') await Promise.all(waits);
    else {
      // Bounded: an order that has not shipped 10 minutes after the last submission counts as failed.
      const until = Date.now() + 600_000;
      while (ended.size < count && Date.now() < until) {
        const pending = ids.filter((id) => !ended.has(id));
        for (const [id, at] of await completion.shippedAt(pending)) ended.set(id, at);
        if (ended.size < count) await sleep(250);
      }
      for (const id of ids) if (!ended.has(id)) failedIds.add(id);
    }
    log(`${label}: all ${count} done in ${round((Date.now() - t0) / 1000)} s`);
    const latencies: number[] = [];
    ids.forEach((id, i) => {
      const end = ended.get(id);
      if (end !== undefined) latencies.push(end - started[i]);
    });
    return { latencies: latencies.sort((a, b) => a - b), failed: failedIds.size, firstStart: Math.min(...started), lastEnd: Math.max(...ended.values()) };
  } finally {
    clearInterval(ticker);
  }
}

function summarize(r: { latencies: number[]; failed: number; firstStart: number; lastEnd: number }, peak: Record<string, number>): FlowResult {
  const wall = (r.lastEnd - r.firstStart) / 1000;
  const l = r.latencies;
  return {
    completed: l.length,
    failed: r.failed,
    wallSeconds: round(wall, 2),
    ordersPerSecond: round(l.length / wall, 2),
    latencyMs: { p50: percentile(l, 50), p95: percentile(l, 95), p99: percentile(l, 99), max: l[l.length - 1] },
    peakRssMb: { worker: peak.worker, devServer: peak.devServer, ...(peak.web !== undefined ? { web: peak.web } : {}) },
  };
}

/**
 * The activities an order runs up to and including the one that writes `shipped` (read from its
 * history: activity type and input), so the baseline runs as many; what follows hand-over (tracking)
 * is not part of submit → shipped.
 */
async function activitiesUntilShipped(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  let n = 0;
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) continue;
    n++;
    const payload = a.input?.payloads?.[0]?.data;
    if (!payload?.length) continue;
    let input: { status?: string; statuses?: Array<{ status: string }> };
    try {
      input = JSON.parse(Buffer.from(payload).toString('utf8')) ?? {};
    } catch {
      continue;
    }
    if (a.activityType?.name === 'recordStatus' && input.status === 'shipped') return n;
    // Merged steps (workflow patch merged-steps): the hand-over writes `shipped` in its own transaction.
    if (a.activityType?.name === 'handOver' && (input.statuses ?? []).some((s) => s.status === 'shipped')) return n;
  }
  throw new Error(`${workflowId} has no recordStatus(shipped) in its history`);
}

// ---------------------------------------------------------------------------------------------
// The web pages at a fixed load

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/** 10,000 orders, each with one open task (the supervisor's inbox), written straight to the tables. */
export async function seedWebRows(db: Db, rows: number): Promise<void> {
  const now = Date.now();
  const kinds = Object.keys(TASK_KINDS);
  const address = JSON.stringify({ name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号', city: '上海', postalCode: '200120', country: 'CN' });
  const customer = JSON.stringify({ name: '王小明', phone: '13800138000' });
  const orders = [];
  const tasks = [];
  for (let i = 0; i < rows; i++) {
    const orderNo = `W${String(i).padStart(7, '0')}`;
    const at = dbTime(now - (rows - i) * 1000);
    orders.push({
      order_no: orderNo, workflow_id: `order-${orderNo}`, type: 'retail', status: 'on_hold', currency: 'CNY', total_amount: 138,
      customer_json: customer, shipping_address_json: address, customer_phone: '13800138000', destination_country: 'CN',
      payment_method: 'card', payment_token: 'tok_paid', request_hash: crypto.createHash('sha256').update(orderNo).digest('hex'),
      created_at: at, updated_at: at,
    });
    const kind = kinds[i % kinds.length] as keyof typeof TASK_KINDS;
    const spec = TASK_KINDS[kind];
    tasks.push({
      order_no: orderNo, kind, status: 'open', options_json: JSON.stringify(spec.options), default_option: spec.defaultOption,
      deadline: dbTime(now + ((i * 7919) % rows) * 60_000), context_json: JSON.stringify({ reason: 'bench' }), priority: spec.priority,
      workflow_key: `bench:${orderNo}`, created_at: at,
    });
  }
  await db.batchInsert('orders', orders, 500);
  await db.batchInsert('tasks', tasks, 500);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const role = process.argv[2] === '--role' ? process.argv[3] : undefined;
  if (role === 'worker') return runWorkerRole();
  if (role === 'bare-web') return runBareWebRole();
  if (process.argv.includes('--launch')) return (await import('./bench-launch')).runLaunchBench(process.argv.slice(2));
  const opts = parseArgs(process.argv.slice(2));

  const root = path.resolve(__dirname, '..', '..');
  const distScripts = __dirname;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-bench-'));
  log(`run directory ${runDir}`);
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children.reverse()) await stopChild(c);
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  const machine = {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memTotalGb: round(os.totalmem() / 2 ** 30),
    memFreeGb: round(os.freemem() / 2 ** 30),
    loadAverage1m: round(os.loadavg()[0], 2),
    node: process.version,
  };
  const summary: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine,
    settings: { temporal: opts.address ? `server at ${opts.address}` : 'dev server (SQLite)', orders: opts.orders, concurrency: opts.concurrency, devServerPragmas: devServerPragmas(opts.pragmas), workerOptions: opts.workerOptions, appDbSynchronousInWorker: opts.appSynchronous ?? 'default (FULL)' },
  };

  if (!opts.address) log(`starting the Temporal dev server (pragmas: ${devServerPragmas(opts.pragmas).join(', ')})`);
  else log(`measuring against the Temporal server at ${opts.address}`);
  const server = opts.address
    ? { address: opts.address, process: undefined, stop: async () => {} }
    : await startDevServer({ dbFile: path.join(runDir, 'temporal.sqlite'), headless: true, logFile: path.join(runDir, 'temporal.log'), sqlitePragmas: opts.pragmas });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  try {
    if (!opts.skipFlow) {
      log('bundling the order workflows and the baseline workflow');
      const { bundleWorkflowCode } = await import('@temporalio/worker');
      const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
      const orderBundle = path.join(runDir, 'orders-bundle.js');
      fs.writeFileSync(orderBundle, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet })).code);
      const baselineBundle = path.join(runDir, 'baseline-bundle.js');
      fs.writeFileSync(baselineBundle, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/bench'), logger: quiet })).code);

      // The app database, stocked for every order of the run.
      const dbFile = path.join(runDir, 'boxflow.sqlite');
      const settings: Settings = loadSettings({ BOXFLOW_DATA_DIR: runDir, DATABASE_URL: `sqlite:${dbFile}`, TEMPORAL_ADDRESS: server.address });
      const db = createDb(settings);
      await migrateToLatest(db);
      await seedDemoCatalog(db);
      await db('inventory').where({ sku: SKU }).update({ on_hand: (opts.orders + 10) * 2, reserved: 0 });
      await db.destroy();

      const workerEnv = (kind: string, taskQueue: string, bundle: string) => ({
        BENCH_KIND: kind, BENCH_BUNDLE: bundle, BENCH_WORKER_OPTIONS: JSON.stringify(opts.workerOptions), BENCH_APP_SYNCHRONOUS: opts.appSynchronous ?? '',
        TEMPORAL_ADDRESS: server.address, BOXFLOW_TASK_QUEUE: taskQueue, DATABASE_URL: `sqlite:${dbFile}`, BOXFLOW_DATA_DIR: runDir, BOXFLOW_SANDBOX: '1',
      });

      // --- baseline first: if the dev server's growing history slows the second phase, BoxFlow pays.
      log('baseline: starting its worker');
      const bw = spawnNode(__filename, ['--role', 'worker'], workerEnv('baseline', 'bench-baseline', baselineBundle), path.join(runDir, 'worker-baseline.log'), 'polling');
      children.push(bw.child);
      await bw.ready;

      // --- BoxFlow's web process (intake) and worker are started now, to count activities per order.
      const webPort = await freePort();
      const web = spawnNode(path.join(root, 'dist', 'web', 'server.js'), [], {
        PORT: String(webPort), BOXFLOW_API_KEY: API_KEY, DATABASE_URL: `sqlite:${dbFile}`, BOXFLOW_DATA_DIR: runDir,
        TEMPORAL_ADDRESS: server.address, BOXFLOW_TASK_QUEUE: 'bench-orders', BOXFLOW_SANDBOX: '1',
      }, path.join(runDir, 'web.log'), 'listening');
      children.push(web.child);
      await web.ready;
      const post = async (orderNo: string): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${webPort}/api/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
          body: JSON.stringify(sampleOrderBody(orderNo)),
        });
        const body = (await res.json()) as { workflowId?: string };
        if (res.status !== 201 || !body.workflowId) throw new Error(`POST /api/orders answered ${res.status}: ${JSON.stringify(body)}`);
        return body.workflowId;
      };
      const runTag = crypto.randomBytes(3).toString('hex').toUpperCase();

      const ow = spawnNode(__filename, ['--role', 'worker'], workerEnv('boxflow', 'bench-orders', orderBundle), path.join(runDir, 'worker-boxflow.log'), 'polling');
      children.push(ow.child);
      await ow.ready;
      log('warm-up: one order end to end, to count its activities');
      const appDb = createDb(settings);
      const shippedAt: Completion = {
        kind: 'shipped',
        async shippedAt(ids) {
          const rows = await appDb('orders').whereIn('workflow_id', ids.slice(0, 500)).whereNotNull('shipped_at').select('workflow_id', 'shipped_at');
          return new Map(rows.map((r) => [r.workflow_id as string, Date.parse(toIso(r.shipped_at)!)]));
        },
      };
      const warmId = await post(`BW${runTag}0`);
      const warm = await drive('warm-up', client, 1, 1, async () => warmId, shippedAt);
      if (warm.failed) throw new Error('the warm-up order did not ship');
      const activitiesPerOrder = await activitiesUntilShipped(client, warmId);
      // The baseline gets its warm-up too.
      const warmBase = await client.workflow.start('benchBaseline', { taskQueue: 'bench-baseline', workflowId: `bench-base-warm-${runTag}`, args: [activitiesPerOrder] });
      await warmBase.result();
      log(`one order runs ${activitiesPerOrder} activities; the baseline workflow runs as many no-ops`);
      // Only one worker polls at a time while measuring: stop BoxFlow's until its phase.
      await stopChild(ow.child);

      let rss = rssSampler({ worker: () => bw.child.pid, devServer: () => server.process?.pid });
      const base = await drive('baseline', client, opts.orders, opts.concurrency, async (i) => {
        const h = await client.workflow.start('benchBaseline', { taskQueue: 'bench-baseline', workflowId: `bench-base-${runTag}-${i}`, args: [activitiesPerOrder] });
        return h.workflowId;
      }, { kind: 'workflow' });
      const baseline = summarize(base, rss.stop());
      // The honest yardstick (issue 15): only the five durable side effects any fulfillment needs
      // (reserve, charge, book, hand over, notify), as no-ops on the same worker.
      rss = rssSampler({ worker: () => bw.child.pid, devServer: () => server.process?.pid });
      const five = await drive('five-step baseline', client, opts.orders, opts.concurrency, async (i) => {
        const h = await client.workflow.start('benchBaseline', { taskQueue: 'bench-baseline', workflowId: `bench-five-${runTag}-${i}`, args: [FIVE_STEPS] });
        return h.workflowId;
      }, { kind: 'workflow' });
      const fiveStepBaseline = summarize(five, rss.stop());
      await stopChild(bw.child);

      log('boxflow: starting its worker');
      const ow2 = spawnNode(__filename, ['--role', 'worker'], workerEnv('boxflow', 'bench-orders', orderBundle), path.join(runDir, 'worker-boxflow.log'), 'polling');
      children.push(ow2.child);
      await ow2.ready;
      rss = rssSampler({ worker: () => ow2.child.pid, devServer: () => server.process?.pid, web: () => web.child.pid });
      const flow = await drive('boxflow', client, opts.orders, opts.concurrency, (i) => post(`B${runTag}${String(i).padStart(6, '0')}`), shippedAt);
      const boxflow = summarize(flow, rss.stop());
      await stopChild(ow2.child);
      await stopChild(web.child);

      await appDb.destroy();

      summary.flow = {
        activitiesPerOrder,
        baseline,
        fiveStepBaseline,
        boxflow,
        // Share of Temporal's own limit on this machine: 1 = BoxFlow is as fast as bare Temporal.
        ratio: {
          throughput: round(boxflow.ordersPerSecond / baseline.ordersPerSecond, 3),
          // Against the bare minimum of a fulfillment (issue 15 target ≥ 0.7).
          throughputVsFiveStep: round(boxflow.ordersPerSecond / fiveStepBaseline.ordersPerSecond, 3),
          workerPeakRss: boxflow.peakRssMb.worker && baseline.peakRssMb.worker ? round(boxflow.peakRssMb.worker / baseline.peakRssMb.worker, 3) : null,
          latencyP50: round(baseline.latencyMs.p50 / boxflow.latencyMs.p50, 3),
          latencyP99: round(baseline.latencyMs.p99 / boxflow.latencyMs.p99, 3),
        },
      };
      log(`flow: boxflow ${boxflow.ordersPerSecond} orders/s vs baseline ${baseline.ordersPerSecond}/s → ratio ${(summary.flow as { ratio: { throughput: number } }).ratio.throughput}; vs the five-step baseline ${fiveStepBaseline.ordersPerSecond}/s`);
    }

    if (!opts.skipWeb) summary.web = await benchWeb(opts, runDir, root, server.address, children);
  } finally {
    await cleanup();
    await connection.close();
    await server.stop();
    if (!opts.keep) fs.rmSync(runDir, { recursive: true, force: true });
    else log(`kept ${runDir}`);
  }
  const json = JSON.stringify(summary, null, 2);
  if (opts.out) fs.writeFileSync(opts.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
  const flowSummary = summary.flow as { boxflow: FlowResult } | undefined;
  if (flowSummary && flowSummary.boxflow.failed) {
    log(`${flowSummary.boxflow.failed} order(s) did not reach shipped`);
    process.exitCode = 1;
  }
}

async function benchWeb(opts: Options, runDir: string, root: string, address: string, children: ChildProcess[]) {
  const autocannon = require('autocannon') as Autocannon;
  const dbFile = path.join(runDir, 'web.sqlite');
  const settings = loadSettings({ BOXFLOW_DATA_DIR: runDir, DATABASE_URL: `sqlite:${dbFile}` });
  const db = createDb(settings);
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  log(`web: writing ${opts.webRows} orders, each with an open task`);
  await seedWebRows(db, opts.webRows);
  for (const name of opts.dropIndexes) await db.raw(`DROP INDEX IF EXISTS ${name}`);
  await db.destroy();

  const webPort = await freePort();
  const web = spawnNode(path.join(root, 'dist', 'web', 'server.js'), [], {
    PORT: String(webPort), BOXFLOW_API_KEY: API_KEY, DATABASE_URL: `sqlite:${dbFile}`, BOXFLOW_DATA_DIR: runDir, TEMPORAL_ADDRESS: address, BOXFLOW_TASK_QUEUE: 'bench-web', ...opts.webEnv,
  }, path.join(runDir, 'web-pages.log'), 'listening');
  children.push(web.child);
  const barePort = await freePort();
  const bare = spawnNode(__filename, ['--role', 'bare-web'], { PORT: String(barePort) }, path.join(runDir, 'bare-web.log'), 'listening');
  children.push(bare.child);
  await Promise.all([web.ready, bare.ready]);
  const cookie = await signInForBench(`http://127.0.0.1:${webPort}`, dbFile, settings);

  const load = { connections: opts.webConnections, overallRate: opts.webRate, durationSeconds: opts.webSeconds, webEnv: opts.webEnv, droppedIndexes: opts.dropIndexes };
  const measure = async (name: string, url: string, pid: number | undefined) => {
    // A short warm-up so that the first request's compile and cache filling are not measured.
    const headers = { authorization: `Bearer ${API_KEY}`, cookie };
    await autocannon({ url, connections: 2, amount: 50, headers });
    log(`web: ${name} for ${opts.webSeconds} s at ${opts.webRate} req/s over ${opts.webConnections} connections`);
    const rss = rssSampler({ process: () => pid });
    const r = await autocannon({ url, connections: opts.webConnections, overallRate: opts.webRate, duration: opts.webSeconds, headers });
    if (r.non2xx) log(`web: ${name} answered ${r.non2xx} non-2xx responses: its figures are not comparable`);
    return {
      p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max, requestsPerSecond: round(r.requests.average), requests: r.requests.total,
      non2xx: r.non2xx, errors: r.errors + r.timeouts, peakRssMb: rss.stop().process,
    };
  };
  const bareResult = await measure('bare express GET /bare', `http://127.0.0.1:${barePort}/bare`, bare.child.pid);
  const endpoints: Record<string, Awaited<ReturnType<typeof measure>> & { ratioP50?: number; ratioP99?: number }> = {};
  // The supervisor's inbox: the console page (open tasks, soonest deadline first) and its API.
  for (const p of ['/api/orders', '/orders', '/api/tasks?status=open', '/console']) {
    const r = await measure(p, `http://127.0.0.1:${webPort}${p}`, web.child.pid);
    endpoints[p] = { ...r, ratioP50: round(bareResult.p50Ms / Math.max(r.p50Ms, 0.001), 3), ratioP99: round(bareResult.p99Ms / Math.max(r.p99Ms, 0.001), 3) };
  }
  await stopChild(web.child);
  await stopChild(bare.child);
  return {
    rows: { orders: opts.webRows, openTasks: opts.webRows },
    load,
    bare: bareResult,
    endpoints,
    ratioMeaning: 'bare express latency / endpoint latency: 1 = as fast as an express route that does nothing',
    pages: '/orders and /console are measured signed in (a supervisor session cookie), as a person sees them',
  };
}

/** A supervisor in the bench's web database, signed in through the real /login form: its session cookie. */
async function signInForBench(base: string, dbFile: string, settings: Settings): Promise<string> {
  const { createUser } = await import('../db/users');
  const { generatePassword, hashPassword } = await import('../web/auth/passwords');
  const db = createDb({ ...settings, databaseUrl: `sqlite:${dbFile}` });
  const password = generatePassword();
  await createUser(db, { username: 'bench-supervisor', role: 'supervisor', passwordHash: await hashPassword(password) });
  await db.destroy();
  const cookieOf = (res: Response) => (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('bf_session=')) ?? '';
  const form = await fetch(`${base}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on /login');
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(form) },
    body: new URLSearchParams({ _csrf: csrf, username: 'bench-supervisor', password, next: '/orders' }).toString(),
  });
  const cookie = cookieOf(login);
  if (login.status !== 303 || !cookie) throw new Error(`bench sign-in failed: ${login.status}`);
  return cookie;
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[bench] failed:', err);
    process.exit(1);
  });
}
