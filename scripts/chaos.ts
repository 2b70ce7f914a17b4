/**
 * `npm run chaos`: crashes and faults against a real dev server, a real worker process and the real
 * API, then the invariants that must hold whatever happened (see docs/performance.md).
 *
 *   (a) kill -9 the worker with orders in flight, start a new one
 *   (b) kill -9 the Temporal dev server, restart it on the same database file
 *   (c) a carrier failing 30 % of booking calls and timing out on 10 %
 *
 * After each: every order is terminal or waits for a person (or a restock), its workflow agrees
 * with the database, and the ledger holds (db/ledger.ts: stock balances, reserved = open lines,
 * money held matches each order's outcome, no pending charge on a closed order, no shipment booked
 * twice, no live waybill on a cancelled shipment, each message sent once). Each invariant is
 * printed with its counts; any breach → exit code 1.
 *
 *   node dist/scripts/chaos.js [--orders-a 200] [--orders-b 100] [--orders-c 100] [--settle-seconds 300] [--keep]
 *
 * test/integration/chaos-small.test.ts runs the same code with a few orders per scenario.
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { loadSettings } from '../config/settings';
import { createDb, Db, migrateToLatest } from '../db/knex';
import { setOnHand } from '../db/inventory';
import { checkLedger, formatInvariants, Invariant } from '../db/ledger';
import { seedDemoCatalog } from '../db/seed';
import { buildPolicy } from '../domain/policy';
import type { SandboxSettings } from '../domain/types';
import { createApp } from '../web/app';
import { DevServer, freePort, startDevServer } from './dev-server';
import { checkWorkflowsAgree } from './ledger';

const API_KEY = 'chaos-api-key-0123456789abcdef-boxflow';
// `shipped` ends fulfilment (P2.2); after it the workflow may still follow its parcels (tracking).
const TERMINAL = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];
const SKUS = ['BB-MOLLY-SPACE', 'BB-DIMOO-FOREST'];
// The compiled worker entry point, from the compiled script (dist/scripts) and from the sources (jest).
const ROOT = path.basename(path.resolve(__dirname, '..')) === 'dist' ? path.resolve(__dirname, '..', '..') : path.resolve(__dirname, '..');
const WORKER_MAIN = path.join(ROOT, 'dist', 'worker', 'main.js');

export type { Invariant };

export interface ScenarioReport {
  scenario: string;
  orders: number;
  seconds: number;
  notes: string[];
  invariants: Invariant[];
  ok: boolean;
}

type Log = (msg: string) => void;
// Aggregates come back loosely typed from knex; rows are read by column name.
type Row = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// The world: dev server, app database, API, worker process

export interface ChaosWorld {
  dir: string;
  db: Db;
  client: Client;
  baseUrl: string;
  server: DevServer;
  startWorker(name: string): Promise<ChildProcess>;
  killWorker(): Promise<void>;
  worker(): ChildProcess | undefined;
  killServer(): Promise<void>;
  restartServer(): Promise<void>;
  api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function createChaosWorld(opts: { dir: string; bundlePath?: string; log: Log }): Promise<ChaosWorld> {
  const { dir, log } = opts;
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
  const temporalDb = path.join(dir, 'temporal.sqlite');
  const port = await freePort();
  let server = await startDevServer({ dbFile: temporalDb, port, headless: true, logFile: path.join(dir, 'temporal.log') });

  let bundlePath = opts.bundlePath;
  if (!bundlePath) {
    log('bundling the workflows once for every worker of the run');
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
    bundlePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet })).code);
  }

  const dbFile = path.join(dir, 'boxflow.sqlite');
  const taskQueue = `chaos-${crypto.randomBytes(3).toString('hex')}`;
  const settings = loadSettings({ BOXFLOW_DATA_DIR: dir, DATABASE_URL: `sqlite:${dbFile}`, TEMPORAL_ADDRESS: server.address, BOXFLOW_TASK_QUEUE: taskQueue });
  const db = createDb(settings);
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  // Enough stock that shortages are not what this run is about (a count: the stock journal has it).
  for (const sku of SKUS) await setOnHand(db, sku, 5000, 'chaos run stock');

  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const app = createApp({ db, temporal: { client, taskQueue, policy: buildPolicy({ timeScale: 1, stockoutDefault: undefined }) }, apiKey: API_KEY });
  const httpServer = http.createServer(app);
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(httpServer.address() as net.AddressInfo).port}`;

  let worker: ChildProcess | undefined;

  const world: ChaosWorld = {
    dir,
    db,
    client,
    baseUrl,
    get server() {
      return server;
    },
    worker: () => worker,
    async startWorker(name) {
      const logFile = path.join(dir, `${name}.log`);
      const out = fs.openSync(logFile, 'a');
      const child = spawn(process.execPath, [WORKER_MAIN], {
        env: { ...process.env, TEMPORAL_ADDRESS: server.address, DATABASE_URL: `sqlite:${dbFile}`, BOXFLOW_DATA_DIR: dir, BOXFLOW_TASK_QUEUE: taskQueue, BOXFLOW_WORKFLOW_BUNDLE: bundlePath!, BOXFLOW_SANDBOX: '1', BOXFLOW_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', out],
      });
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        child.stdout!.on('data', (c: Buffer) => {
          fs.appendFileSync(logFile, c);
          seen += c.toString();
          if (seen.includes('polling task queue')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker ${name} exited early (${code}); see ${logFile}`)));
      });
      worker = child;
      return child;
    },
    async killWorker() {
      const w = worker;
      if (!w || w.exitCode !== null || w.signalCode !== null) return;
      const gone = new Promise((r) => w.once('exit', r));
      w.kill('SIGKILL');
      await gone;
    },
    async killServer() {
      const p = server.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    },
    async restartServer() {
      // Same file, same port: the worker and the client reconnect to where they were. Right after a
      // kill -9 the port or the file can still be held for a moment (seen once in CI: exit code 2),
      // so a failed start is tried again, as a process manager would.
      for (let attempt = 1; ; attempt++) {
        try {
          server = await startDevServer({ dbFile: temporalDb, port, headless: true, logFile: path.join(dir, 'temporal.log') });
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    },
    async api(method, p, body) {
      const res = await fetch(`${baseUrl}${p}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
    async close() {
      await world.killWorker();
      await new Promise((r) => httpServer.close(r));
      await connection.close();
      await server.stop();
      await db.destroy();
    },
  };
  return world;
}

// ---------------------------------------------------------------------------------------------
// Orders

function orderBody(orderNo: string, i: number, sandbox: SandboxSettings, token = 'tok_paid') {
  const sku = SKUS[i % SKUS.length];
  return {
    orderNo,
    type: 'retail',
    customer: { name: '王小明', phone: '13800138000', email: 'xm@example.cn' },
    shippingAddress: { name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号', city: '上海', province: '上海', postalCode: '200120', country: 'CN' },
    lines: [{ sku, quantity: 1 + (i % 2), unitPrice: 69 }],
    currency: 'CNY',
    payment: { method: 'card', token },
    sandbox,
  };
}

async function submitAll(world: ChaosWorld, bodies: Array<ReturnType<typeof orderBody>>, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, bodies.length) }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await world.api('POST', '/api/orders', body);
        if (res.status !== 201) throw new Error(`POST /api/orders ${body.orderNo} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
}

async function statusCounts(world: ChaosWorld, orderNos: string[]): Promise<Record<string, number>> {
  const rows: Row[] = await world.db('orders').whereIn('order_no', orderNos).select('status').count({ n: '*' }).groupBy('status');
  return Object.fromEntries(rows.map((r) => [r.status as string, Number(r.n)]));
}

/** An order is settled when it is terminal, or it waits for a person (open task) or for a restock. */
async function unsettled(world: ChaosWorld, orderNos: string[]): Promise<Array<{ orderNo: string; status: string }>> {
  const rows = await world.db('orders').whereIn('order_no', orderNos).whereNotIn('status', TERMINAL).select('order_no', 'status');
  if (!rows.length) return [];
  const open = new Set((await world.db('tasks').whereIn('order_no', rows.map((r) => r.order_no)).where({ status: 'open' }).select('order_no')).map((r) => r.order_no));
  const waitingBack = new Set((await world.db('back_orders').whereIn('order_no', rows.map((r) => r.order_no)).where({ status: 'waiting' }).select('order_no')).map((r) => r.order_no));
  return rows
    .filter((r) => !((r.status === 'on_hold' && open.has(r.order_no)) || (['back_ordered', 'partially_shipped'].includes(r.status) && waitingBack.has(r.order_no))))
    .map((r) => ({ orderNo: r.order_no, status: r.status }));
}

async function waitSettled(world: ChaosWorld, orderNos: string[], seconds: number, log: Log, label: string): Promise<void> {
  const until = Date.now() + seconds * 1000;
  let last = 0;
  for (;;) {
    const left = await unsettled(world, orderNos);
    if (!left.length) return;
    if (Date.now() > until) return; // the invariant reports what is stuck
    if (Date.now() - last > 3000) {
      last = Date.now();
      log(`${label}: ${orderNos.length - left.length}/${orderNos.length} settled ${JSON.stringify(await statusCounts(world, orderNos))}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants

export async function checkInvariants(world: ChaosWorld, orderNos: string[], opts: { faults?: boolean } = {}): Promise<Invariant[]> {
  const { db, client } = world;
  const out: Invariant[] = [];

  // 1. Every order is terminal or waits for a person (or a restock).
  {
    const stuck = await unsettled(world, orderNos);
    const counts = await statusCounts(world, orderNos);
    const openTasks = Number((await db('tasks').whereIn('order_no', orderNos).where({ status: 'open' }).countDistinct({ n: 'order_no' }))[0].n);
    out.push({
      name: 'every order terminal or waiting for a task',
      ok: stuck.length === 0,
      applicable: true,
      counts: { orders: orderNos.length, ...counts, waitingOnTask: openTasks, stuck: stuck.length },
      breaches: stuck.slice(0, 20).map((s) => `${s.orderNo} stuck in ${s.status}`),
    });
  }

  // 2. The database and Temporal agree: terminal orders have closed workflows, waiting ones running.
  out.push(await checkWorkflowsAgree(db, client, { orderNos }));

  // 3. The ledger: stock, money, carrier bookings, messages (db/ledger.ts).
  out.push(...(await checkLedger(db, { orderNos })));

  // 4. Scenario (c) only: the faults really happened, else it proved nothing.
  if (opts.faults) out.push(await countBookingFaults(world, orderNos));
  return out;
}

/** Reads the histories: how many booking attempts failed and how many timed out (heartbeat). */
async function countBookingFaults(world: ChaosWorld, orderNos: string[]): Promise<Invariant> {
  let failed = 0;
  let timedOut = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < orderNos.length) {
        const orderNo = orderNos[next++];
        const history = await world.client.workflow.getHandle(`order-${orderNo}`).fetchHistory();
        for (const e of history.events ?? []) {
          // Failed and timed-out attempts of retried activities show in the final attempt's counter only;
          // the attempt number of each started event says how many came before.
          const started = e.activityTaskStartedEventAttributes;
          if (started && (started.attempt ?? 1) > 1) {
            const retries = (started.attempt ?? 1) - 1;
            if (started.lastFailure?.timeoutFailureInfo) {
              timedOut++;
              failed += retries - 1;
            } else failed += retries;
          }
        }
      }
    }),
  );
  // A retried activity's history keeps only its last failure: every retry counts, but a timeout is
  // seen only when it was the last one. With few orders none may be; from 50 orders on one must be.
  const ok = failed + timedOut > 0 && (orderNos.length < 50 || timedOut > 0);
  return {
    name: 'carrier faults were injected (30 % failures, 10 % timeouts)',
    ok,
    applicable: true,
    counts: { retriedAfterFailure: failed, retriedAfterTimeout: timedOut },
    breaches: ok ? [] : ['too few failed or timed-out booking attempts were seen: the scenario did not test what it claims'],
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export interface ChaosOptions {
  ordersA: number;
  ordersB: number;
  ordersC: number;
  settleSeconds: number;
  /** Small runs (npm test): the kill lands while every order is booking (heartbeated), so retries come in seconds. */
  killDuringBooking?: boolean;
  log: Log;
}

async function scenario(name: string, world: ChaosWorld, orderNos: string[], run: (notes: string[]) => Promise<void>, opts: ChaosOptions, faults = false): Promise<ScenarioReport> {
  const t0 = Date.now();
  const notes: string[] = [];
  opts.log(`--- scenario ${name}`);
  await run(notes);
  await waitSettled(world, orderNos, opts.settleSeconds, opts.log, name);
  const invariants = await checkInvariants(world, orderNos, { faults });
  const report = { scenario: name, orders: orderNos.length, seconds: Math.round((Date.now() - t0) / 100) / 10, notes, invariants, ok: invariants.every((i) => i.ok) };
  return report;
}

const inFlight = async (world: ChaosWorld, orderNos: string[]) => orderNos.length - Number((await world.db('orders').whereIn('order_no', orderNos).whereIn('status', TERMINAL).count({ n: '*' }))[0].n);

async function waitUntil(what: string, probe: () => Promise<boolean>, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runChaos(world: ChaosWorld, opts: ChaosOptions): Promise<ScenarioReport[]> {
  const tag = crypto.randomBytes(2).toString('hex').toUpperCase();
  const reports: ScenarioReport[] = [];
  const booked = async (nos: string[]) => Number((await world.db('sandbox_carrier_bookings').whereIn('order_no', nos).where({ status: 'booked' }).countDistinct({ n: 'order_no' }))[0].n);

  await world.startWorker('worker-1');

  // (a) kill -9 the worker with orders in flight.
  {
    const n = opts.ordersA;
    const nos = Array.from({ length: n }, (_, i) => `CA${tag}${String(i).padStart(4, '0')}`);
    // One in ten every carrier rejects (a task, half of them cancelled by a person later: refunds);
    // one in twenty is declined at payment (cancelled, nothing to refund).
    const rejects = nos.filter((_, i) => i % 10 === 3);
    const bodies = nos.map((no, i) =>
      orderBody(no, i, i % 10 === 3 ? { carrier: 'reject_always' } : { carrierLatencyMs: opts.killDuringBooking ? 4000 : (i * 37) % 1500 }, i % 20 === 7 ? 'tok_declined' : 'tok_paid'),
    );
    reports.push(
      await scenario('a: kill -9 the worker', world, nos, async (notes) => {
        await submitAll(world, bodies);
        if (opts.killDuringBooking) {
          const booking = nos.filter((_, i) => i % 10 !== 3 && i % 20 !== 7);
          await waitUntil('every order to be booking', async () => (await booked(booking)) === booking.length, 120);
        }
        // A restock in the middle of it all: it has to show up in the stock balance.
        const restock = await world.api('POST', `/api/inventory/${SKUS[1]}/restock`, { quantity: 25 });
        if (restock.status !== 200) throw new Error(`restock → ${restock.status}`);
        const flying = await inFlight(world, nos);
        await world.killWorker();
        notes.push(`worker killed with SIGKILL while ${flying} of ${n} orders were in flight`);
        opts.log(notes[notes.length - 1]);
        await world.startWorker('worker-2');
        await waitSettled(world, nos, opts.settleSeconds, opts.log, 'a');
        // A person cancels half of the orders no carrier would take: compensation and refund.
        let cancelled = 0;
        for (const [i, no] of rejects.entries()) {
          if (i % 2) continue;
          const task = (await world.api('GET', `/api/tasks?status=open&orderNo=${no}`)).body[0];
          if (!task) continue;
          const res = await world.api('POST', `/api/tasks/${task.id}/decision`, { decision: 'cancel_order', decidedBy: 'chaos', note: 'no carrier' });
          if (res.status === 200) cancelled++;
        }
        notes.push(`${cancelled} carrier_rejected task(s) decided cancel_order after the restart`);
      }, opts),
    );
  }

  // (b) kill -9 the dev server and restart it on the same database file.
  {
    const n = opts.ordersB;
    const nos = Array.from({ length: n }, (_, i) => `CB${tag}${String(i).padStart(4, '0')}`);
    const bodies = nos.map((no, i) => orderBody(no, i, { carrierLatencyMs: opts.killDuringBooking ? 4000 : (i * 53) % 2000 }));
    reports.push(
      await scenario('b: kill -9 the dev server', world, nos, async (notes) => {
        await submitAll(world, bodies);
        if (opts.killDuringBooking) await waitUntil('every order to be booking', async () => (await booked(nos)) === nos.length, 120);
        // Else: some orders shipped, most in the middle of their steps.
        else await waitUntil('a tenth of the orders to ship', async () => Number((await world.db('orders').whereIn('order_no', nos).where({ status: 'shipped' }).count({ n: '*' }))[0].n) >= n / 10, 60).catch(() => undefined);
        const flying = await inFlight(world, nos);
        await world.killServer();
        notes.push(`dev server killed with SIGKILL while ${flying} of ${n} orders were in flight`);
        opts.log(notes[notes.length - 1]);
        await new Promise((r) => setTimeout(r, 2000));
        await world.restartServer();
        notes.push('dev server restarted on the same database file and port');
        const w = world.worker();
        if (!w || w.exitCode !== null || w.signalCode !== null) {
          notes.push('the worker had exited while the server was down; a new one was started (as npm start does)');
          await world.startWorker('worker-3');
        } else notes.push('the worker process stayed up and reconnected');
      }, opts),
    );
  }

  // (c) a carrier that fails 30 % of booking calls and times out on 10 %.
  {
    const n = opts.ordersC;
    const nos = Array.from({ length: n }, (_, i) => `CC${tag}${String(i).padStart(4, '0')}`);
    const bodies = nos.map((no, i) => orderBody(no, i, { carrierFailureRate: 0.3, carrierTimeoutRate: 0.1 }));
    reports.push(
      await scenario('c: flaky carrier (30 % failures, 10 % timeouts)', world, nos, async () => {
        await submitAll(world, bodies);
      }, opts, true),
    );
  }
  return reports;
}

export function printReports(reports: ScenarioReport[], print: (line: string) => void): void {
  for (const r of reports) {
    print(`\n${r.ok ? 'PASS' : 'FAIL'} ${r.scenario} (${r.orders} orders, ${r.seconds} s)`);
    for (const n of r.notes) print(`  · ${n}`);
    for (const line of formatInvariants(r.invariants)) print(`  ${line}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const num = (flag: string, fallback: number) => {
    const i = args.indexOf(flag);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`${flag} wants a whole number from 1 to 10000`);
    return n;
  };
  const keep = args.includes('--keep');
  const log: Log = (m) => process.stderr.write(`[chaos] ${m}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-chaos-'));
  log(`run directory ${dir}`);
  const world = await createChaosWorld({ dir, log });
  let reports: ScenarioReport[] = [];
  try {
    reports = await runChaos(world, { ordersA: num('--orders-a', 200), ordersB: num('--orders-b', 100), ordersC: num('--orders-c', 100), settleSeconds: num('--settle-seconds', 300), log });
  } finally {
    await world.close();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
  printReports(reports, (l) => console.log(l));
  const ok = reports.every((r) => r.ok);
  console.log(`\n${ok ? 'all invariants hold' : 'INVARIANT BREACHED'} (${reports.length} scenarios)`);
  process.exit(ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[chaos] failed:', err);
    process.exit(1);
  });
}
