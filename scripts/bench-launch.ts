/**
 * Launch-day benchmark (issue #15): a limited series goes on sale. N orders (default 5,000) are
 * POSTed within `--window` seconds (default 60) from `--clients` concurrent clients (default 100)
 * against a fresh Temporal dev server, the real web process and one real worker. Every order wants
 * one unit of a `limited` SKU (`--limited-units`, default 1,000, stockout policy `limited`); a third of
 * them also want a regular item (stocked for all). Reported (JSON on stdout, progress on stderr):
 *
 * - time to settle every order (shipped, or cancelled and refunded), from the first POST;
 * - API latency p50/p99 of POST /api/orders during the burst, and the rate actually offered;
 * - tasks opened (0 expected; stockout tasks naming the limited SKU listed apart);
 * - units of the limited SKU shipped (exactly `--limited-units`, checked), lines refunded at sell-out, and
 *   how many of the first `--limited-units` orders posted got a unit (first come, first served; reported only);
 * - peak RSS of the worker, the web process and the dev server;
 * - the ledger invariants (db/ledger.ts, as `npm run chaos`) and database/Temporal agreement.
 *
 * Usage: npm run bench:launch [-- --orders 5000 --limited-units 1000 --window 60 --clients 100
 *        --settle-minutes 30 --out launch.json --keep]
 * Exit code 1 when a check fails. Not part of `npm test` (it takes minutes and measures speed).
 */
import { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../config/settings';
import { loadSettings } from '../config/settings';
import { upsertCatalogItems } from '../db/catalog';
import { setOnHand } from '../db/inventory';
import { createDb, migrateToLatest } from '../db/knex';
import { checkLedger, formatInvariants } from '../db/ledger';
import { seedDemoCatalog } from '../db/seed';
import { mapLimit, percentile, rssSampler, sampleOrderBody, spawnNode, stopChild } from './bench';
import { DEV_SERVER_SQLITE_PRAGMAS, freePort, startDevServer } from './dev-server';
import { checkWorkflowsAgree } from './ledger';

const API_KEY = 'bench-launch-api-key-0123456789abcdef';
const LIMITED_SKU = 'BB-LABUBU-V3';
/** Regular items and their catalog prices (db/seed.ts), stocked for every order. */
const REGULAR: Record<string, number> = { 'BB-MOLLY-SPACE': 69, 'CANDY-TOY-HIRONO': 39, 'PL-LABUBU-30': 399 };
const REGULAR_SKUS = Object.keys(REGULAR);

interface Options {
  orders: number;
  limitedUnits: number;
  windowSeconds: number;
  clients: number;
  settleMinutes: number;
  out?: string;
  keep: boolean;
}

/** Units of the limited SKU that must ship: all of them, or one per order when there are fewer orders. */
function expectedShippedUnits(o: Options): number {
  return Math.min(o.limitedUnits, o.orders);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { orders: 5000, limitedUnits: 1000, windowSeconds: 60, clients: 100, settleMinutes: 30, keep: false };
  const int = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} wants an integer ≥ ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--launch') continue; // `npm run bench -- --launch` forwards here
    else if (a === '--orders') o.orders = int(a, argv[++i], 1);
    else if (a === '--limited-units') o.limitedUnits = int(a, argv[++i], 0);
    else if (a === '--window') o.windowSeconds = int(a, argv[++i], 1);
    else if (a === '--clients') o.clients = int(a, argv[++i], 1);
    else if (a === '--settle-minutes') o.settleMinutes = int(a, argv[++i], 1);
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('npm run bench:launch -- [--orders 5000] [--limited-units 1000] [--window 60] [--clients 100] [--settle-minutes 30] [--out file.json] [--keep]\n');
      process.exit(0);
    } else throw new Error(`unknown flag ${a} (try --help)`);
  }
  return o;
}

const log = (msg: string) => process.stderr.write(`[bench-launch] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Order i: one unit of the limited SKU; every third also a regular item. */
function launchOrderBody(orderNo: string, i: number) {
  const body = sampleOrderBody(orderNo);
  const lines: Array<{ sku: string; quantity: number; unitPrice: number }> = [{ sku: LIMITED_SKU, quantity: 1, unitPrice: 89 }];
  if (i % 3 === 0) {
    const sku = REGULAR_SKUS[(i / 3) % REGULAR_SKUS.length];
    lines.push({ sku, quantity: 1, unitPrice: REGULAR[sku] });
  }
  return { ...body, lines };
}

export async function runLaunchBench(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  const root = path.resolve(__dirname, '..', '..');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-launch-'));
  log(`run directory ${runDir}`);
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children.reverse()) await stopChild(c);
  };
  let stopServer: (() => Promise<void>) | undefined;
  process.once('SIGINT', () => void cleanup().then(() => stopServer?.()).finally(() => process.exit(130)));
  const machine = { nproc: os.cpus().length, cpu: os.cpus()[0]?.model, memTotalGb: round(os.totalmem() / 2 ** 30), loadAverage1mAtStart: round(os.loadavg()[0], 2), node: process.version };
  const summary: Record<string, unknown> = { when: new Date().toISOString(), machine, settings: { ...opts, limitedSku: LIMITED_SKU, regularSkus: REGULAR_SKUS } };
  const failures: string[] = [];

  log(`starting the Temporal dev server (${DEV_SERVER_SQLITE_PRAGMAS.join(', ')}, as npm start)`);
  const server = await startDevServer({ dbFile: path.join(runDir, 'temporal.sqlite'), headless: true, logFile: path.join(runDir, 'temporal.log') });
  stopServer = () => server.stop();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    log('bundling the order workflows');
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
    const orderBundle = path.join(runDir, 'orders-bundle.js');
    fs.writeFileSync(orderBundle, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet })).code);

    const dbFile = path.join(runDir, 'boxflow.sqlite');
    const settings: Settings = loadSettings({ BOXFLOW_DATA_DIR: runDir, DATABASE_URL: `sqlite:${dbFile}`, TEMPORAL_ADDRESS: server.address });
    const db = createDb(settings);
    await migrateToLatest(db);
    await seedDemoCatalog(db);
    await upsertCatalogItems(db, [{
      sku: LIMITED_SKU, name: 'Labubu V3 Limited Edition Blind Box', nameZh: 'LABUBU 第三代限量盲盒', spec: '1 box, random figure, 8 cm, limited series', category: 'blind_box',
      unitPrice: 89, currency: 'CNY', weightGrams: 140, lengthMm: 65, widthMm: 65, heightMm: 100, fragile: false, hsCode: '950300', countryOfOrigin: 'CN',
      onHand: opts.limitedUnits, stockoutPolicy: 'limited',
    }]);
    await setOnHand(db, LIMITED_SKU, opts.limitedUnits, 'launch bench: the whole limited series');
    for (const sku of REGULAR_SKUS) await setOnHand(db, sku, opts.orders + 10, 'launch bench: enough for every order');

    const env = {
      TEMPORAL_ADDRESS: server.address, BOXFLOW_TASK_QUEUE: 'launch-orders', DATABASE_URL: `sqlite:${dbFile}`, BOXFLOW_DATA_DIR: runDir, BOXFLOW_SANDBOX: '1',
    };
    const webPort = await freePort();
    const web = spawnNode(path.join(root, 'dist', 'web', 'server.js'), [], { ...env, PORT: String(webPort), BOXFLOW_API_KEY: API_KEY }, path.join(runDir, 'web.log'), 'listening');
    children.push(web.child);
    const worker = spawnNode(path.join(__dirname, 'bench.js'), ['--role', 'worker'], { ...env, BENCH_KIND: 'boxflow', BENCH_BUNDLE: orderBundle, BENCH_WORKER_OPTIONS: '{}', BENCH_APP_SYNCHRONOUS: '' }, path.join(runDir, 'worker.log'), 'polling');
    children.push(worker.child);
    await Promise.all([web.ready, worker.ready]);

    const runTag = crypto.randomBytes(3).toString('hex').toUpperCase();
    const orderNos = Array.from({ length: opts.orders }, (_, i) => `L${runTag}${String(i).padStart(6, '0')}`);
    const rss = rssSampler({ worker: () => worker.child.pid, web: () => web.child.pid, devServer: () => server.process.pid });

    // --- the burst: order i is due at i × window / N; `clients` connections send what is due.
    const latencies: number[] = [];
    const refused: string[] = [];
    const t0 = Date.now();
    let sent = 0;
    const ticker = setInterval(() => log(`burst: ${sent}/${opts.orders} posted, ${round((Date.now() - t0) / 1000)} s`), 5000);
    try {
      await mapLimit(orderNos, opts.clients, async (orderNo, i) => {
        const due = t0 + (i * opts.windowSeconds * 1000) / opts.orders;
        if (due > Date.now()) await sleep(due - Date.now());
        const start = performance.now();
        try {
          const res = await fetch(`http://127.0.0.1:${webPort}/api/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
            body: JSON.stringify(launchOrderBody(orderNo, i)),
          });
          await res.arrayBuffer();
          latencies.push(performance.now() - start);
          if (res.status !== 201) refused.push(`${orderNo}: ${res.status}`);
        } catch (err) {
          refused.push(`${orderNo}: ${(err as Error).message}`);
        }
        sent++;
      });
    } finally {
      clearInterval(ticker);
    }
    const burstSeconds = (Date.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    log(`burst done: ${opts.orders} POSTs in ${round(burstSeconds)} s, ${refused.length} refused`);
    if (refused.length) failures.push(`${refused.length} POST(s) refused, e.g. ${refused.slice(0, 3).join('; ')}`);

    // --- settle: every order shipped, or cancelled (and refunded).
    const settledStatuses = ['shipped', 'delivered', 'cancelled', 'failed'];
    const until = Date.now() + opts.settleMinutes * 60_000;
    let counts: Record<string, number> = {};
    let settledAt = NaN;
    let lastLog = 0;
    for (;;) {
      const rows: Array<{ status: string; n: number }> = await db('orders').where('order_no', 'like', `L${runTag}%`).select('status').count({ n: '*' }).groupBy('status');
      counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      const settled = settledStatuses.reduce((s, k) => s + (counts[k] ?? 0), 0);
      if (Date.now() - lastLog > 10_000) {
        log(`settling: ${settled}/${opts.orders} settled ${JSON.stringify(counts)}, ${round((Date.now() - t0) / 1000)} s`);
        lastLog = Date.now();
      }
      if (settled >= opts.orders) {
        settledAt = Date.now();
        break;
      }
      if (Date.now() > until) break;
      await sleep(1000);
    }
    const peak = rss.stop();
    if (!Number.isFinite(settledAt)) failures.push(`not every order settled within ${opts.settleMinutes} min: ${JSON.stringify(counts)}`);

    // --- the checks
    const like = `L${runTag}%`;
    const figure = async (q: Promise<Record<string, unknown> | undefined>) => Number((await q)?.n ?? 0);
    const limitedShipped = await figure(db('order_lines').where('order_no', 'like', like).andWhere({ sku: LIMITED_SKU, status: 'shipped' }).sum({ n: 'quantity' }).first());
    // First come, first served? Order i was posted i-th (within the burst's jitter): of the first
    // `limitedUnits` orders, how many got a unit, and how late in the queue an order still got one.
    const servedIndexes = (await db('order_lines').where('order_no', 'like', like).andWhere({ sku: LIMITED_SKU, status: 'shipped' }).select('order_no'))
      .map((r: { order_no: string }) => Number(r.order_no.slice(-6)))
      .sort((a: number, b: number) => a - b);
    const servedInOrder = { ofTheFirst: expectedShippedUnits(opts), gotAUnit: servedIndexes.filter((i: number) => i < expectedShippedUnits(opts)).length, latestPositionServed: servedIndexes.length ? servedIndexes[servedIndexes.length - 1] + 1 : null };
    const limitedCancelled = await figure(db('order_lines').where('order_no', 'like', like).andWhere({ sku: LIMITED_SKU, status: 'cancelled' }).count({ n: '*' }).first());
    const regularShipped = await figure(db('order_lines').where('order_no', 'like', like).whereIn('sku', REGULAR_SKUS).andWhere({ status: 'shipped' }).sum({ n: 'quantity' }).first());
    const tasks: Array<{ kind: string; n: number }> = await db('tasks').where('order_no', 'like', like).select('kind').count({ n: '*' }).groupBy('kind');
    const stockoutTasksForLimited = await figure(db('tasks').where('order_no', 'like', like).andWhere({ kind: 'stockout' }).andWhere('context_json', 'like', `%${LIMITED_SKU}%`).count({ n: '*' }).first());
    const soldOutEvents = await figure(db('order_events').where('order_no', 'like', like).andWhere({ type: 'sold_out_refunded' }).count({ n: '*' }).first());
    const refunds = await db('payments').where('order_no', 'like', like).andWhere({ kind: 'refund', status: 'succeeded' }).select(db.raw('count(*) as n'), db.raw('sum(amount) as amount')).first();
    const stock = await db('inventory').where({ sku: LIMITED_SKU }).first();
    const tasksOpened = tasks.reduce((s, t) => s + Number(t.n), 0);
    const expectedShipped = expectedShippedUnits(opts);
    if (limitedShipped !== expectedShipped) failures.push(`limited SKU shipped ${limitedShipped} units, expected exactly ${expectedShipped}`);
    if (stockoutTasksForLimited) failures.push(`${stockoutTasksForLimited} stockout task(s) for the limited SKU`);
    if (tasksOpened) failures.push(`${tasksOpened} task(s) opened: ${JSON.stringify(tasks)}`);

    log('checking the ledger and the workflows (db/ledger.ts, scripts/ledger.ts)');
    const invariants = [await checkWorkflowsAgree(db, client, { orderNos }), ...(await checkLedger(db, { orderNos }))];
    for (const line of formatInvariants(invariants)) log(line);
    const breached = invariants.filter((i) => i.applicable && !i.ok);
    if (breached.length) failures.push(`ledger breaches: ${breached.map((b) => b.name).join('; ')}`);
    await db.destroy();
    await cleanup();

    summary.machine = { ...machine, loadAverage1mAtEnd: round(os.loadavg()[0], 2) };
    summary.burst = {
      posted: opts.orders,
      refused: refused.length,
      seconds: round(burstSeconds, 1),
      offeredPerSecond: round(opts.orders / burstSeconds, 1),
      apiLatencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies[latencies.length - 1] ?? NaN) },
    };
    summary.settle = {
      allSettled: Number.isFinite(settledAt),
      secondsFromFirstPost: Number.isFinite(settledAt) ? round((settledAt - t0) / 1000) : null,
      statuses: counts,
    };
    summary.limited = {
      sku: LIMITED_SKU,
      units: opts.limitedUnits,
      unitsShipped: limitedShipped,
      exactlyAllShipped: limitedShipped === expectedShipped,
      linesRefundedAtSellOut: limitedCancelled,
      servedInOrder,
      soldOutEvents,
      stockAfter: { onHand: stock?.on_hand, reserved: stock?.reserved },
    };
    summary.regularUnitsShipped = regularShipped;
    summary.refunds = { count: Number(refunds?.n ?? 0), amount: round(Number(refunds?.amount ?? 0), 2) };
    summary.tasks = { opened: tasksOpened, byKind: Object.fromEntries(tasks.map((t) => [t.kind, Number(t.n)])), stockoutForLimitedSku: stockoutTasksForLimited };
    summary.peakRssMb = peak;
    summary.invariants = invariants.map((i) => ({ name: i.name, ok: i.ok, applicable: i.applicable, counts: i.counts, breaches: i.breaches.slice(0, 5) }));
    summary.failures = failures;
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
  if (failures.length) {
    for (const f of failures) log(`FAILED: ${f}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  runLaunchBench(process.argv.slice(2)).catch((err) => {
    console.error('[bench-launch] failed:', err);
    process.exit(1);
  });
}
