/**
 * `npm run test:cluster`: BoxFlow's production layout on the real Temporal server (scripts/cluster.ts:
 * go.temporal.io/server on PostgreSQL), not the dev server. Its own jest project, not in `npm test`.
 *
 * 1. The web app and three workers as separate processes (what `npm run web` / `npm run worker`
 *    run), the app database on the cluster's PostgreSQL: 200 orders through the API; kill -9 one
 *    worker while orders are booking; kill -9 the Temporal server and start it again. Then every
 *    order settles, the ledger holds (test/support/ledger.ts) and visibility finds the orders by
 *    BoxflowOrderStatus as the database has them.
 * 2. Rolling upgrade with Worker Versioning: workers of build A (BOXFLOW_DEPLOYMENT_NAME/BUILD_ID)
 *    take orders; build B (a changed workflow: test/cluster/build-b.interceptors.ts) is deployed
 *    and made current while A's orders are in flight; A's orders finish on A, new orders run on B,
 *    A drains and its workers stop.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadSettings } from '../../config/settings';
import { setOnHand } from '../../db/inventory';
import { createDb, Db } from '../../db/knex';
import { Cluster, startCluster } from '../../scripts/cluster';
import { freePort } from '../../scripts/dev-server';
import { ORDER_WORKFLOW_TYPE } from '../../web/services/stuck-orders';
import { expectLedgerHolds } from '../support/ledger';

jest.setTimeout(30 * 60_000);

const ROOT = path.resolve(__dirname, '..', '..');
const API_KEY = 'cluster-api-key-0123456789abcdef-boxflow';
const SKUS = ['BB-MOLLY-SPACE', 'BB-DIMOO-FOREST'];
// `shipped` ends fulfilment; the workflow then follows its parcels (a few seconds at this time scale).
const SETTLED = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];
// Part 1 runs in real time (as the chaos run): an order is done at `shipped`. Part 2 needs the
// order workflows to close so that a build's pinned orders can drain: 0.002 makes a 22 h parcel
// journey ~2.6 min while leaving payment 3.6 s to arrive on this loaded machine (at 0.0001 the
// 180 ms payment deadline cancelled most of 200 orders).
const UPGRADE_TIME_SCALE = '0.002';
const tag = crypto.randomBytes(2).toString('hex').toUpperCase();
const log = (m: string) => process.stderr.write(`[test:cluster] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let cluster: Cluster;
let db: Db;
let connection: Connection;
let client: Client;
let bundleA: string;
let bundleB: string;
const allOrders: string[] = [];
const children = new Set<ChildProcess>();

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function spawnApp(name: string, script: 'worker' | 'web', env: Record<string, string>): Promise<Proc> {
  const main = path.join(ROOT, 'dist', script, script === 'web' ? 'server.js' : 'main.js');
  const logFile = path.join(dir, `${name}.log`);
  // What `npm run worker` / `npm run web` run, without npm in between (kill -9 must reach node itself).
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: cluster.state.address,
      DATABASE_URL: cluster.state.databaseUrl,
      BOXFLOW_DATA_DIR: dir,
      BOXFLOW_SANDBOX: '1',
      BOXFLOW_TIME_SCALE: '1',
      BOXFLOW_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', fs.openSync(logFile, 'a')],
  });
  children.add(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => (children.delete(child), r(code))));
  const ready = script === 'web' ? 'listening on' : 'polling task queue';
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (c: Buffer) => {
      fs.appendFileSync(logFile, c);
      if (seen.includes(ready)) return;
      seen += c.toString();
      if (seen.includes(ready)) resolve({ child, exited });
    });
    void exited.then((code) => reject(new Error(`${name} exited early (${code}); see ${logFile}`)));
  });
}

async function startWeb(name: string, taskQueue: string, env: Record<string, string> = {}): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = await spawnApp(name, 'web', { PORT: String(port), BOXFLOW_API_KEY: API_KEY, BOXFLOW_TASK_QUEUE: taskQueue, ...env });
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function stop(proc: Proc, signal: NodeJS.Signals): Promise<number | null> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  return proc.exited;
}

function orderBody(orderNo: string, i: number, sandbox: Record<string, unknown>) {
  return {
    orderNo,
    type: 'retail',
    customer: { name: '王小明', phone: '13800138000', email: 'xm@example.cn' },
    shippingAddress: { name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号', city: '上海', province: '上海', postalCode: '200120', country: 'CN' },
    lines: [{ sku: SKUS[i % SKUS.length], quantity: 1 + (i % 2), unitPrice: 69 }],
    currency: 'CNY',
    payment: { method: 'card', token: 'tok_paid' },
    sandbox,
  };
}

async function submit(url: string, prefix: string, n: number, sandbox: (i: number) => Record<string, unknown>): Promise<string[]> {
  const nos = Array.from({ length: n }, (_, i) => `${prefix}${tag}${String(i).padStart(4, '0')}`);
  allOrders.push(...nos);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < nos.length) {
        const i = next++;
        const res = await fetch(`${url}/api/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(orderBody(nos[i], i, sandbox(i))),
        });
        if (res.status !== 201) throw new Error(`POST /api/orders ${nos[i]} → ${res.status} ${await res.text()}`);
      }
    }),
  );
  return nos;
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, seconds: number): Promise<T> {
  const until = Date.now() + seconds * 1000;
  let last = 0;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    if (Date.now() - last > 15_000) {
      last = Date.now();
      log(`waiting for ${what}`);
    }
    await sleep(500);
  }
}

const counts = async (nos: string[]) =>
  Object.fromEntries(((await db('orders').whereIn('order_no', nos).select('status').count({ n: '*' }).groupBy('status')) as Array<Record<string, unknown>>).map((r) => [String(r.status), Number(r.n)]));
const unsettled = async (nos: string[]) => Number((await db('orders').whereIn('order_no', nos).whereNotIn('status', SETTLED).count({ n: '*' }))[0].n);
const bookingsOf = async (nos: string[]) => Number((await db('sandbox_carrier_bookings').whereIn('order_no', nos).where({ status: 'booked' }).countDistinct({ n: 'order_no' }))[0].n);

beforeAll(async () => {
  dir = path.join(ROOT, 'test', '.run', `cluster-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  cluster = await startCluster({ dir, log });
  log(`Temporal ${cluster.state.version} at ${cluster.state.address}, app database ${cluster.state.databaseUrl}`);
  // Once per release, as compose's `migrate` service: `npm run migrate` (schema and demo catalog).
  execFileSync(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'migrate.js')], {
    env: { ...process.env, DATABASE_URL: cluster.state.databaseUrl, BOXFLOW_DATA_DIR: dir, BOXFLOW_SEED: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  db = createDb(loadSettings({ DATABASE_URL: cluster.state.databaseUrl, BOXFLOW_DATA_DIR: dir }));
  for (const sku of SKUS) await setOnHand(db, sku, 5000, 'cluster test stock');
  connection = await Connection.connect({ address: cluster.state.address });
  client = new Client({ connection });
  // Built once, loaded by every worker process (BOXFLOW_WORKFLOW_BUNDLE), as the image's prebuilt bundle.
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  bundleA = path.join(dir, 'workflow-bundle-a.js');
  fs.writeFileSync(bundleA, (await bundleWorkflowCode({ workflowsPath: path.join(ROOT, 'workflows'), logger: quiet })).code);
  bundleB = path.join(dir, 'workflow-bundle-b.js');
  fs.writeFileSync(
    bundleB,
    (await bundleWorkflowCode({ workflowsPath: path.join(ROOT, 'workflows'), workflowInterceptorModules: [require.resolve('./build-b.interceptors')], logger: quiet })).code,
  );
});

afterAll(async () => {
  try {
    if (client && allOrders.length) await expectLedgerHolds({ db, client }, { orderNos: allOrders, waitMs: 60_000 });
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await connection?.close();
    if (client) await db.destroy();
    await cluster?.stop();
    if (!process.env.BOXFLOW_KEEP_TEST_RUN) fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('200 orders on three worker processes: kill -9 a worker mid-booking, kill -9 the Temporal server; the ledger holds, visibility agrees', async () => {
  const taskQueue = `cluster-${tag}`;
  const web = await startWeb('web', taskQueue);
  const workers: Proc[] = [];
  for (const n of [1, 2, 3]) workers.push(await spawnApp(`worker-${n}`, 'worker', { BOXFLOW_TASK_QUEUE: taskQueue, BOXFLOW_WORKFLOW_BUNDLE: bundleA }));

  // Every booking takes 3 s at the carrier (heartbeated): the kill lands while bookings are open.
  const nos = await submit(web.url, 'CL', 200, () => ({ carrierLatencyMs: 3000 }));
  await waitUntil('bookings under way', async () => (await bookingsOf(nos)) >= 20, 300);
  const shippedBefore = (await counts(nos)).shipped ?? 0;
  expect(await unsettled(nos)).toBeGreaterThan(0);
  await stop(workers[0], 'SIGKILL');
  log(`worker-1 killed with SIGKILL: ${await bookingsOf(nos)} orders booked or booking, ${shippedBefore} shipped`);

  await waitUntil('a quarter of the orders to ship', async () => nos.length - (await unsettled(nos)) >= nos.length / 4, 600);
  const inFlight = await unsettled(nos);
  expect(inFlight).toBeGreaterThan(0);
  await cluster.killServer();
  log(`Temporal server killed with SIGKILL while ${inFlight} of ${nos.length} orders were in flight`);
  await sleep(2000);
  await cluster.restartServer();
  log('Temporal server restarted on the same PostgreSQL and ports');

  await waitUntil('every order to settle', async () => (await unsettled(nos)) === 0, 900);
  const final = await counts(nos);
  log(`settled: ${JSON.stringify(final)}`);
  // Paid, in stock, carriers that accept: every order reaches the parcel.
  expect((final.shipped ?? 0) + (final.delivered ?? 0)).toBe(nos.length);
  // The surviving workers' processes stayed up across the server's restart.
  expect(workers[1].child.exitCode).toBeNull();
  expect(workers[2].child.exitCode).toBeNull();

  await expectLedgerHolds({ db, client }, { orderNos: nos, waitMs: 60_000 });

  // Visibility (SQL visibility on PostgreSQL) finds the orders by the status the database has.
  await waitUntil(
    'visibility to agree with the database by status',
    async () => {
      const byStatus = await counts(nos);
      for (const [status, n] of Object.entries(byStatus)) {
        const { count } = await client.workflow.count(`WorkflowType = '${ORDER_WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}' AND BoxflowOrderStatus = '${status}'`);
        if (count !== n) return false;
      }
      return true;
    },
    120,
  );
  const listed: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = '${ORDER_WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}' AND BoxflowOrderStatus IN ('shipped', 'delivered')` })) listed.push(wf.workflowId);
  expect(listed.sort()).toEqual(nos.map((no) => `order-${no}`).sort());

  for (const w of workers.slice(1)) expect(await stop(w, 'SIGTERM')).toBe(0);
  expect(await stop(web.proc, 'SIGTERM')).toBe(0);
});

// ---------------------------------------------------------------------------------------------

async function describeVersion(deploymentName: string, buildId: string) {
  return client.workflowService.describeWorkerDeploymentVersion({ namespace: 'default', deploymentVersion: { deploymentName, buildId } });
}

/** As `temporal worker deployment set-current-version`: once the build's workers have polled, make it current. */
async function setCurrentVersion(deploymentName: string, buildId: string): Promise<void> {
  const described = await waitUntil(
    `build ${buildId} to show in deployment ${deploymentName}`,
    async () => {
      const d = await client.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName });
      return d.workerDeploymentInfo?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === buildId) && d;
    },
    120,
  );
  await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId, conflictToken: described.conflictToken });
  await waitUntil(
    `build ${buildId} to be current`,
    async () => {
      const d = await client.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName });
      const routing = d.workerDeploymentInfo?.routingConfig;
      return routing?.currentDeploymentVersion?.buildId === buildId && d.workerDeploymentInfo?.routingConfigUpdateState !== temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS;
    },
    120,
  );
}

/** The builds that completed the order's workflow tasks, and whether build B's change ran. */
async function buildsOf(orderNo: string): Promise<{ builds: string[]; memoB: boolean; closed: boolean }> {
  const handle = client.workflow.getHandle(`order-${orderNo}`);
  const history = await handle.fetchHistory();
  const builds = new Set<string>();
  for (const e of history.events ?? []) {
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) builds.add(done.deploymentVersion?.buildId ?? '(none)');
  }
  const d = await handle.describe();
  return { builds: [...builds], memoB: d.memo?.boxflowBuild === 'B', closed: d.status.name !== 'RUNNING' };
}

test('rolling upgrade: build A runs orders, build B is made current, A’s orders finish on A, new ones run on B, A drains and stops', async () => {
  const taskQueue = `cluster-upgrade-${tag}`;
  const deploymentName = `boxflow-${tag.toLowerCase()}`;
  const A = `a-${tag.toLowerCase()}`;
  const B = `b-${tag.toLowerCase()}`;
  const versioned = (buildId: string, bundle: string) => ({
    BOXFLOW_TASK_QUEUE: taskQueue,
    BOXFLOW_TIME_SCALE: UPGRADE_TIME_SCALE,
    BOXFLOW_DEPLOYMENT_NAME: deploymentName,
    BOXFLOW_BUILD_ID: buildId,
    BOXFLOW_WORKFLOW_BUNDLE: bundle,
  });
  const web = await startWeb('web-upgrade', taskQueue, { BOXFLOW_TIME_SCALE: UPGRADE_TIME_SCALE });

  // Build A: two workers, made current.
  const workersA = [await spawnApp('worker-a1', 'worker', versioned(A, bundleA)), await spawnApp('worker-a2', 'worker', versioned(A, bundleA))];
  await setCurrentVersion(deploymentName, A);
  log(`build ${A} current`);

  // Orders on A, held at the carrier for 8 s so that they are in flight during the upgrade.
  const ordersA = await submit(web.url, 'UA', 20, () => ({ carrierLatencyMs: 8000 }));
  await waitUntil('build A’s orders to be booking', async () => (await bookingsOf(ordersA)) === ordersA.length, 300);
  expect(await unsettled(ordersA)).toBeGreaterThan(0);

  // Build B (a changed workflow) deployed beside A and made current with A's orders in flight.
  const workersB = [await spawnApp('worker-b1', 'worker', versioned(B, bundleB)), await spawnApp('worker-b2', 'worker', versioned(B, bundleB))];
  await setCurrentVersion(deploymentName, B);
  const inFlight = await unsettled(ordersA);
  log(`build ${B} current while ${inFlight} of build A’s ${ordersA.length} orders were in flight`);
  expect(inFlight).toBeGreaterThan(0);

  const ordersB = await submit(web.url, 'UB', 20, () => ({}));
  await waitUntil('every order to settle and its workflow to close', async () => {
    if ((await unsettled([...ordersA, ...ordersB])) > 0) return false;
    for (const no of [...ordersA, ...ordersB]) if (!(await buildsOf(no)).closed) return false;
    return true;
  }, 600);

  // A's orders ran on A only (B's change never reached them); B's orders on B only, with the change.
  for (const no of ordersA) expect({ no, ...(await buildsOf(no)) }).toEqual({ no, builds: [A], memoB: false, closed: true });
  for (const no of ordersB) expect({ no, ...(await buildsOf(no)) }).toEqual({ no, builds: [B], memoB: true, closed: true });
  const final = await counts([...ordersA, ...ordersB]);
  expect((final.shipped ?? 0) + (final.delivered ?? 0)).toBe(ordersA.length + ordersB.length);

  // A drains (no open workflow pinned to it), then its workers stop.
  await waitUntil(
    `build ${A} to drain`,
    async () => (await describeVersion(deploymentName, A)).workerDeploymentVersionInfo?.drainageInfo?.status === temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED,
    300,
  );
  log(`build ${A} drained; stopping its workers`);
  for (const w of workersA) expect(await stop(w, 'SIGTERM')).toBe(0);

  // With A gone, a new order still runs, on B.
  const [late] = await submit(web.url, 'UC', 1, () => ({}));
  await waitUntil('the order after A stopped to settle', async () => (await unsettled([late])) === 0 && (await buildsOf(late)).closed, 300);
  expect(await buildsOf(late)).toEqual({ builds: [B], memoB: true, closed: true });

  await expectLedgerHolds({ db, client }, { orderNos: [...ordersA, ...ordersB, late], waitMs: 60_000 });
  for (const w of workersB) expect(await stop(w, 'SIGTERM')).toBe(0);
  expect(await stop(web.proc, 'SIGTERM')).toBe(0);
});
