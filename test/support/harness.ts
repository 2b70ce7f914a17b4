/**
 * A test file's own world: a fresh database with the demo catalog (SQLite, or PostgreSQL with
 * BOXFLOW_TEST_DATABASE_URL: see test-database.ts), its own task queue, a real worker (in this
 * process) on the shared dev server, a Temporal client and the Express app.
 * Nothing here mocks Temporal.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import request from 'supertest';
import type { ProviderSettings } from '../../config/providers';
import { loadSettings, Settings } from '../../config/settings';
import { createDb, createReadDb, Db, migrateToLatest } from '../../db/knex';
import { seedDemoCatalog } from '../../db/seed';
import { buildPolicy } from '../../domain/policy';
import type { OrderInput, OrderStatus } from '../../domain/types';
import { createApp } from '../../web/app';
import { createUser, Role } from '../../db/users';
import { generatePassword, hashPassword } from '../../web/auth/passwords';
import { createFulfillmentWorker } from '../../worker/create-worker';
import { dataConverterFor } from '../../worker/encryption-codec';
import type { NotificationSender } from '../../adapters/notifications/sender';
import { createTestDatabase } from './test-database';
import { TEST_WEBHOOK_SECRETS } from './webhooks';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export const API_KEY = 'test-api-key-0123456789abcdef-boxflow';

export interface Harness {
  db: Db;
  settings: Settings;
  client: Client;
  app: ReturnType<typeof createApp>;
  taskQueue: string;
  /** The SQLite file (its directory also holds spawned workers' logs); unused on PostgreSQL. */
  dbFile: string;
  /** DATABASE_URL of this test file's database: sqlite:<dbFile>, or postgres://… (BOXFLOW_TEST_DATABASE_URL). */
  databaseUrl: string;
  temporalAddress: string;
  bundlePath: string;
  api: () => ReturnType<typeof request.agent>;
  startWorker(): Promise<Worker>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export function testEnv(): { address: string; bundlePath: string; runDir: string } {
  const address = process.env.BOXFLOW_TEST_TEMPORAL_ADDRESS;
  const bundlePath = process.env.BOXFLOW_TEST_WORKFLOW_BUNDLE;
  const runDir = process.env.BOXFLOW_TEST_RUN_DIR;
  if (!address || !bundlePath || !runDir) throw new Error('integration tests need the global setup (run them through jest)');
  return { address, bundlePath, runDir };
}

/**
 * `providers`: real providers' settings (config/providers.ts) for the worker and the app, e.g. the
 * stand-ins' (test/standins/: Alipay; SF booking; Kuaidi100 tracking and its push route); each
 * provider given replaces its sandbox, the others
 * stay sandboxes. Default: none (the app does not read them from the environment either).
 */
export async function createHarness(opts: { worker?: boolean; env?: Record<string, string>; sender?: NotificationSender; providers?: ProviderSettings } = {}): Promise<Harness> {
  quietRuntime();
  const { address, bundlePath, runDir } = testEnv();
  const id = crypto.randomBytes(4).toString('hex');
  const dbFile = path.join(runDir, `app-${id}.sqlite`);
  const testDb = await createTestDatabase(runDir, id);
  const taskQueue = `fulfillment-${id}`;
  const settings = loadSettings({
    BOXFLOW_DATA_DIR: runDir,
    DATABASE_URL: testDb.databaseUrl,
    BOXFLOW_TASK_QUEUE: taskQueue,
    TEMPORAL_ADDRESS: address,
    BOXFLOW_SANDBOX: '1',
    ...opts.env,
  });
  const db = createDb(settings);
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  // As the web process does: with BOXFLOW_SQLITE_READERS > 0 the list pages read through their own read-only connections.
  const readDb = createReadDb(settings, db, settings.sqliteReaders);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: settings.temporal.namespace, dataConverter: dataConverterFor(settings.codecKeys) });
  const policy = buildPolicy({ timeScale: settings.timeScale, stockoutDefault: settings.stockoutDefault, continueAsNewAfterEvents: settings.continueAsNewAfterEvents, warehouse: settings.warehouse, backOrderTaskAfterDays: settings.backOrderTaskAfterDays });
  const app = createApp({ db, readDb, temporal: { client, taskQueue, policy }, apiKey: API_KEY, dataDir: settings.dataDir, webhookSecrets: TEST_WEBHOOK_SECRETS, codec: dataConverterFor(settings.codecKeys)?.payloadCodecs?.[0], providers: opts.providers ?? { problems: [] } });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let workerConnection: { close(): Promise<void> } | undefined;

  const h: Harness = {
    db,
    settings,
    client,
    app,
    taskQueue,
    dbFile,
    databaseUrl: testDb.databaseUrl,
    temporalAddress: address,
    bundlePath,
    api: () => request.agent(app).set('Authorization', `Bearer ${API_KEY}`),
    async startWorker() {
      const created = await createFulfillmentWorker({
        settings,
        db,
        address,
        workflowBundlePath: bundlePath,
        overrides: { stickyQueueScheduleToStartTimeout: '1 second' },
        sender: opts.sender,
        providers: opts.providers,
      });
      worker = created.worker;
      workerConnection = created.connection;
      running = worker.run();
      return worker;
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection?.close();
      worker = undefined;
    },
    async close() {
      await h.stopWorker();
      await connection.close();
      if (readDb !== db) await readDb.destroy();
      await db.destroy();
      await testDb.drop();
    },
  };
  if (opts.worker !== false) await h.startWorker();
  return h;
}

/** A valid retail order to a Shanghai address; override what a test is about. */
export function sampleOrder(overrides: Partial<OrderInput> = {}): OrderInput {
  const orderNo = overrides.orderNo ?? `T${Date.now().toString(36).toUpperCase()}${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
  return {
    orderNo,
    type: 'retail',
    customer: { name: '王小明', phone: '13800138000', email: 'xm@example.cn' },
    shippingAddress: { name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号', city: '上海', province: '上海', postalCode: '200120', country: 'CN' },
    lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 }],
    currency: 'CNY',
    payment: { method: 'card', token: 'tok_paid' },
    ...overrides,
  };
}

export function workflowHandle(h: Harness, orderNo: string): WorkflowHandle {
  return h.client.workflow.getHandle(`order-${orderNo}`);
}

/**
 * Waits until the order has settled for P1/P2: its workflow completed, or it reached `shipped` (from
 * there the workflow keeps following its parcels, for hours of scaled time). Returns the status and
 * the waybills of the parcels handed over.
 */
export async function orderResult(h: Harness, orderNo: string, timeoutMs = 120_000): Promise<{ orderNo: string; status: OrderStatus; trackingNumbers: string[] }> {
  const handle = workflowHandle(h, orderNo);
  const settled: OrderStatus[] = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];
  const status = await waitFor(`order ${orderNo} to settle`, async () => {
    const wf = await handle.describe().catch(() => undefined);
    if (wf && wf.status.name !== 'RUNNING') {
      if (wf.status.name !== 'COMPLETED') throw new Error(`workflow of ${orderNo} ended ${wf.status.name}`);
      return ((await handle.result()) as { status: OrderStatus }).status;
    }
    const row = await h.db('orders').where({ order_no: orderNo }).first('status');
    return row && settled.includes(row.status) ? (row.status as OrderStatus) : undefined;
  }, timeoutMs);
  const shipments = await h.db('shipments').where({ order_no: orderNo }).whereNotNull('shipped_at').whereNot('status', 'replaced').orderBy('parcel_index');
  return { orderNo, status, trackingNumbers: shipments.map((s) => s.tracking_no) };
}

/** Polls the database until the order reaches a status (for waits in the middle of a workflow). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * With BOXFLOW_RECORD_HISTORIES=1, saves the order workflow's history under test/replay/histories/
 * (once: a history already recorded is evidence of what older code did and is never overwritten;
 * BOXFLOW_RECORD_HISTORIES=overwrite replaces it) so that the replay test keeps checking that
 * today's workflow code can still run it.
 */
export async function maybeRecordHistory(h: Harness, orderNo: string, name: string): Promise<void> {
  await maybeRecordWorkflowHistory(h, `order-${orderNo}`, name);
}

/** The same for any workflow (a shipment's tracking, a return). */
export async function maybeRecordWorkflowHistory(h: Harness, workflowId: string, name: string, runId?: string): Promise<void> {
  const mode = process.env.BOXFLOW_RECORD_HISTORIES;
  if (mode !== '1' && mode !== 'overwrite') return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  const fs = await import('node:fs');
  const file = path.resolve(__dirname, '..', 'replay', 'histories', `${name}.json`);
  if (mode === '1' && fs.existsSync(file)) return;
  const history = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
  fs.writeFileSync(file, historyToJSON(history));
}

/** Waits until the order's workflow has opened a task of this kind; returns it as the API shows it. */
export async function openTaskOf(h: Harness, orderNo: string, kind: string, timeoutMs = 60_000): Promise<{ id: number; options: string[]; defaultOption: string; deadline: string; context: Record<string, unknown> }> {
  return waitFor(`a ${kind} task on ${orderNo}`, async () => {
    const res = await h.api().get(`/api/tasks?status=open&kind=${kind}&orderNo=${orderNo}`);
    return res.body[0];
  }, timeoutMs);
}

export async function orderStatusIs(h: Harness, orderNo: string, status: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${orderNo} to be ${status}`, async () => (await h.db('orders').where({ order_no: orderNo }).first())?.status === status, timeoutMs);
}

export async function statusTrail(h: Harness, orderNo: string): Promise<string[]> {
  const rows = await h.db('order_events').where({ order_no: orderNo, type: 'status' }).orderBy('id');
  return rows.map((r) => JSON.parse(r.data_json).status);
}

/** A signed-in browser: a supertest agent holding the `bf_session` cookie, and the session's CSRF token. */
export interface SignedIn {
  agent: ReturnType<typeof request.agent>;
  csrfToken: string;
  user: { id: number; username: string; displayName: string; role: Role };
  password: string;
  /** POSTs a form (urlencoded) with `_csrf` added, as a browser would. */
  post(path: string, fields?: Record<string, string>): ReturnType<ReturnType<typeof request.agent>['post']>;
}

/** The `_csrf` hidden field's value in a rendered page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1];
}

/**
 * Creates a user of this role (random password) in the harness database and signs in through the
 * real /login form. `signIn(h, 'supervisor')` → `{agent, csrfToken, user, password, post}`.
 */
export async function signIn(h: Harness, role: Role = 'staff', opts: { username?: string; displayName?: string } = {}): Promise<SignedIn> {
  const username = opts.username ?? `${role}-${crypto.randomBytes(4).toString('hex')}`;
  const password = generatePassword();
  const user = await createUser(h.db, { username, displayName: opts.displayName, role, passwordHash: await hashPassword(password) });
  const agent = request.agent(h.app);
  const form = await agent.get('/login');
  const login = await agent.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username, password });
  if (login.status !== 303) throw new Error(`sign-in as ${username} failed: ${login.status}`);
  // Signing in starts a new session with a new CSRF token: read it from a page of that session.
  const csrfToken = csrfFrom((await agent.get('/account')).text);
  return {
    agent,
    csrfToken,
    user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role },
    password,
    post: (path, fields = {}) => agent.post(path).type('form').send({ ...fields, _csrf: csrfToken }),
  };
}
