/**
 * Operating BoxFlow (issue 14): both metrics endpoints move when an order runs, /metrics is not
 * public, and the worker process's logs are JSON with workflow ids and no customer data or API key.
 * The worker here is the real `npm run worker` entry point in its own process (it installs the
 * Temporal runtime with Prometheus metrics, which an in-process test worker cannot: one runtime per process).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { Writable } from 'node:stream';
import knex from 'knex';
import { createSubscription } from '../../db/outbound-webhooks';
import { dbTime } from '../../db/time';
import { buildPolicy } from '../../domain/policy';
import { createLogger } from '../../observability/logger';
import { loadObservabilitySettings } from '../../observability/settings';
import { createApp } from '../../web/app';
import { API_KEY, createHarness, Harness, orderResult, sampleOrder } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { spawnWorkerProcess } from '../support/worker-process';

let h: Harness;
let worker: ChildProcess | undefined;
let workerMetricsPort: number;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The sum of a metric's samples whose labels include all of `labels` (0 when absent). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, k, v] of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[k] = v;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) total += Number(m[4]);
  }
  return total;
}

async function scrapeWorker(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  h = await createHarness({ worker: false });
  workerMetricsPort = await freePort();
  const spawned = spawnWorkerProcess(h, 'observability-worker', {
    BOXFLOW_WORKER_METRICS_ADDRESS: `127.0.0.1:${workerMetricsPort}`,
    BOXFLOW_LOG_LEVEL: 'debug',
    BOXFLOW_LOG_FORMAT: 'json',
  });
  worker = spawned.child;
  await spawned.ready;
});

afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await h?.close();
  }
});

describe('metrics', () => {
  test('an order moves the web RED counters, the business gauges and the worker SDK metrics', async () => {
    const web0 = (await request(h.app).get('/metrics')).text;
    const worker0 = await scrapeWorker();
    const placed = { method: 'POST', route: '/api/orders', status: '201' };

    const order = sampleOrder();
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');

    const webRes = await request(h.app).get('/metrics');
    expect(webRes.status).toBe(200);
    expect(webRes.headers['content-type']).toMatch(/text\/plain/);
    const web1 = webRes.text;
    expect(sample(web1, 'boxflow_http_requests_total', placed)).toBe(sample(web0, 'boxflow_http_requests_total', placed) + 1);
    expect(sample(web1, 'boxflow_http_request_duration_seconds_count', placed)).toBe(sample(web0, 'boxflow_http_request_duration_seconds_count', placed) + 1);
    expect(sample(web1, 'boxflow_orders', { status: 'shipped' })).toBe(sample(web0, 'boxflow_orders', { status: 'shipped' }) + 1);
    for (const gauge of ['boxflow_stuck_orders', 'boxflow_orders_at_risk', 'boxflow_sla_breaches_today', 'boxflow_notification_outbox', 'boxflow_open_tasks', 'boxflow_outbound_webhook_deliveries', 'boxflow_wave_orders_not_packed']) {
      expect(web1).toContain(`# TYPE ${gauge} gauge`);
    }

    const worker1 = await scrapeWorker();
    const tq = { task_queue: h.taskQueue };
    // Workflow task and activity executions on this test's task queue (the SDK's own metrics, seconds).
    expect(sample(worker1, 'temporal_workflow_task_execution_latency_count', tq)).toBeGreaterThan(sample(worker0, 'temporal_workflow_task_execution_latency_count', tq));
    expect(sample(worker1, 'temporal_activity_execution_latency_count', tq)).toBeGreaterThan(sample(worker0, 'temporal_activity_execution_latency_count', tq));
    expect(worker1).toContain('temporal_workflow_task_schedule_to_start_latency');
  });

  test('the outbound-webhook backlog gauge counts deliveries not yet delivered, by status', async () => {
  const scrape = async () => (await request(h.app).get('/metrics')).text;
  const before = await scrape();
  const { subscription } = await createSubscription(h.db, { name: 'metrics test', url: 'https://erp.example/hooks', eventTypes: ['order.shipped'], createdBy: 'test' });
  const now = dbTime();
  await h.db('webhook_deliveries').insert([
    { id: 'whd_metrics_1', event_id: 'evt_metrics_1', subscription_id: subscription.id, status: 'failed', created_at: now },
    { id: 'whd_metrics_2', event_id: 'evt_metrics_2', subscription_id: subscription.id, status: 'retrying', created_at: now },
    { id: 'whd_metrics_3', event_id: 'evt_metrics_3', subscription_id: subscription.id, status: 'delivered', created_at: now },
  ]);
  const after = await scrape();
  expect(sample(after, 'boxflow_outbound_webhook_deliveries', { status: 'failed' })).toBe(sample(before, 'boxflow_outbound_webhook_deliveries', { status: 'failed' }) + 1);
  expect(sample(after, 'boxflow_outbound_webhook_deliveries', { status: 'retrying' })).toBe(sample(before, 'boxflow_outbound_webhook_deliveries', { status: 'retrying' }) + 1);
  expect(after).not.toMatch(/boxflow_outbound_webhook_deliveries\{status="delivered"\}/);
  await h.db('webhook_deliveries').whereIn('id', ['whd_metrics_1', 'whd_metrics_2', 'whd_metrics_3']).delete();
});

test('/metrics answers loopback callers only, or callers with BOXFLOW_METRICS_KEY', async () => {
    expect((await request(h.app).get('/metrics').set('X-Forwarded-For', '203.0.113.9')).status).toBe(404);
    const keyed = createApp({ db: h.db, temporal: { client: h.client, taskQueue: h.taskQueue, policy: undefined as never }, apiKey: API_KEY, ops: { metricsKey: 'scrape-secret' } });
    expect((await request(keyed).get('/metrics')).status).toBe(404);
    expect((await request(keyed).get('/metrics').set('Authorization', 'Bearer wrong')).status).toBe(404);
    const ok = await request(keyed).get('/metrics').set('Authorization', 'Bearer scrape-secret').set('X-Forwarded-For', '203.0.113.9');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('boxflow_http_requests_total');
  });
});

/** A JSON logger at debug level that keeps its lines in memory. */
function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ settings: loadObservabilitySettings({ BOXFLOW_LOG_LEVEL: 'debug', BOXFLOW_LOG_FORMAT: 'json' }), destination: stream });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const PHONE = '13800138000';

describe('logs', () => {
  test('web: JSON lines with a request id returned as X-Request-Id; the customer and the API key are redacted', async () => {
    const mem = memoryLogger();
    const appWithPolicy = createApp({ db: h.db, temporal: { client: h.client, taskQueue: h.taskQueue, policy: policyOf(h) }, apiKey: API_KEY, logger: mem.logger });
    const order = sampleOrder();
    expect(JSON.stringify(order)).toContain(PHONE);
    const placed = await request(appWithPolicy).post('/api/orders').set('Authorization', `Bearer ${API_KEY}`).set('X-Request-Id', 'lb-1234.abc').send(order);
    expect(placed.status).toBe(201);
    expect(placed.headers['x-request-id']).toBe('lb-1234.abc');
    const other = await request(appWithPolicy).get(`/api/orders/${order.orderNo}`).set('Authorization', `Bearer ${API_KEY}`).set('X-Request-Id', 'not ok <script>');
    const madeId = other.headers['x-request-id'];
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');

    const lines = mem.parsed();
    for (const l of lines) expect(typeof l.level).toBe('string');
    const received = lines.find((l) => l.msg === 'order received')!;
    expect(received).toBeDefined();
    expect(received.level).toBe('debug');
    expect(received.req.id).toBe('lb-1234.abc');
    expect(received.order.orderNo).toBe(order.orderNo);
    expect(received.order.customer).toBe('[redacted]');
    expect(received.order.shippingAddress).toBe('[redacted]');
    const done = lines.find((l) => l.req?.id === 'lb-1234.abc' && l.res?.statusCode === 201)!;
    expect(done.level).toBe('info');
    expect(done.req.headers.authorization).toBe('[redacted]');
    expect(lines.some((l) => l.req?.id === madeId)).toBe(true);

    const text = mem.lines.join('\n');
    expect(text).toContain(order.orderNo);
    for (const secret of [PHONE, API_KEY, order.customer.name, '世纪大道']) expect(text).not.toContain(secret);
  });

  test('an error page shows the request id that its log line carries', async () => {
    const mem = memoryLogger();
    const broken = knex({ client: 'sqlite3', connection: { filename: path.join(path.dirname(h.dbFile), 'no-such-dir', 'x.sqlite') }, useNullAsDefault: true });
    try {
      const app = createApp({ db: broken, temporal: { client: h.client, taskQueue: h.taskQueue, policy: policyOf(h) }, apiKey: API_KEY, logger: mem.logger, dataDir: path.dirname(h.dbFile) });
      const page = await request(app).get('/orders').set('Accept-Language', 'en').set('Cookie', `bf_session=${'A'.repeat(43)}`);
      expect(page.status).toBe(500);
      const id = page.headers['x-request-id'];
      expect(id).toBeTruthy();
      expect(page.text).toContain(id);
      const failed = mem.parsed().find((l) => l.level === 'error' && l.reqId === id);
      expect(failed?.err?.message).toBeTruthy();
    } finally {
      await broken.destroy();
    }
  });

  test('worker: JSON lines from the Temporal SDK with workflow id, run id and activity type; no customer phone', async () => {
    const order = sampleOrder();
    expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
    expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
    const text = fs.readFileSync(path.join(path.dirname(h.dbFile), 'observability-worker.log'), 'utf8');
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(l.level);
    const wf = lines.find((l) => l.workflowId === `order-${order.orderNo}` && l.msg === 'Workflow started');
    expect(wf).toEqual(expect.objectContaining({ runId: expect.any(String), workflowType: expect.any(String) }));
    const act = lines.find((l) => l.workflowId === `order-${order.orderNo}` && l.activityType);
    expect(act).toEqual(expect.objectContaining({ runId: expect.any(String), activityType: expect.any(String) }));
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain(API_KEY);
  });
});

function policyOf(x: Harness) {
  return buildPolicy({ timeScale: x.settings.timeScale, stockoutDefault: x.settings.stockoutDefault, continueAsNewAfterEvents: x.settings.continueAsNewAfterEvents });
}
