/**
 * Traces (issue 14): with tracing on, one order placed through POST /api/orders is one trace: the
 * HTTP span, the Temporal client's StartWorkflow span, the workflow's StartActivity spans, each
 * activity's RunActivity span and knex query spans, exported here to an in-memory exporter. The
 * worker bundles the workflows with the OpenTelemetry workflow interceptor module.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import request from 'supertest';
import { buildPolicy } from '../../domain/policy';
import { clientInterceptors, setupTracing, traceKnex, Tracing, WORKFLOW_INTERCEPTOR_MODULE, workerTracingOptions } from '../../observability/tracing';
import { createLogger } from '../../observability/logger';
import { loadObservabilitySettings } from '../../observability/settings';
import { createApp } from '../../web/app';
import { createFulfillmentWorker } from '../../worker/create-worker';
import { API_KEY, createHarness, Harness, orderResult, sampleOrder, testEnv } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { spawnWorkerProcess } from '../support/worker-process';

let h: Harness;
let tracing: Tracing;
const exporter = new InMemorySpanExporter();
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  h = await createHarness({ worker: false });
  tracing = setupTracing({ serviceName: 'boxflow-test', exporter })!;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [WORKFLOW_INTERCEPTOR_MODULE],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  const bundlePath = path.join(testEnv().runDir, `workflow-bundle-otel-${h.taskQueue}.js`);
  fs.writeFileSync(bundlePath, code);
  traceKnex(h.db, tracing.tracer);
  ({ worker } = await createFulfillmentWorker({
    settings: h.settings,
    db: h.db,
    address: h.temporalAddress,
    workflowBundlePath: bundlePath,
    overrides: { ...workerTracingOptions(tracing, { prebuiltBundle: true }), stickyQueueScheduleToStartTimeout: '1 second' },
  }));
  running = worker.run();
}, 180_000);

afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await tracing?.shutdown();
    await h?.close();
  }
});

test('POST /api/orders → StartWorkflow → workflow → activities → knex queries: one trace', async () => {
  const client = new Client({ connection: h.client.connection, namespace: h.settings.temporal.namespace, interceptors: clientInterceptors(tracing) });
  const lines: string[] = [];
  const logger = createLogger({ settings: loadObservabilitySettings({ BOXFLOW_LOG_LEVEL: 'debug', BOXFLOW_LOG_FORMAT: 'json' }), destination: { write: (l: string) => void lines.push(l) } });
  const app = createApp({
    db: h.db,
    temporal: { client, taskQueue: h.taskQueue, policy: buildPolicy({ timeScale: h.settings.timeScale }) },
    apiKey: API_KEY,
    tracer: tracing.tracer,
    logger,
  });
  const order = sampleOrder();
  const placed = await request(app).post('/api/orders').set('Authorization', `Bearer ${API_KEY}`).send(order);
  expect(placed.status).toBe(201);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');
  await tracing.provider.forceFlush();

  const spans = exporter.getFinishedSpans();
  const http = spans.find((s) => s.name === 'POST /api/orders');
  expect(http).toBeDefined();
  const traceId = http!.spanContext().traceId;
  const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
  const names = new Set(inTrace.map((s) => s.name));
  expect(names).toContain('StartWorkflow:orderFulfillment');
  for (const activity of ['acceptOrder', 'bookShipment']) {
    expect([...names].filter((n) => n.endsWith(`:${activity}`)).sort()).toEqual([`RunActivity:${activity}`, `StartActivity:${activity}`]);
  }
  expect(inTrace.filter((s) => s.name.startsWith('db ')).length).toBeGreaterThan(5);

  // The shape: every span of the trace but the HTTP one has its parent in the trace (workflow spans
  // still open, RunWorkflow, are not exported yet: their children hang from StartWorkflow's context).
  const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (s: ReadableSpan) => s.parentSpanId;
  expect(parentOf(http!)).toBeUndefined();
  const start = inTrace.find((s) => s.name === 'StartWorkflow:orderFulfillment')!;
  expect(parentOf(start)).toBe(http!.spanContext().spanId);
  const run = inTrace.find((s) => s.name === 'RunActivity:bookShipment')!;
  expect(byId.get(parentOf(run)!)?.name).toBe('StartActivity:bookShipment');
  const query = inTrace.find((s) => s.name.startsWith('db ') && parentOf(s) === run.spanContext().spanId);
  expect(query).toBeDefined();
  // The request's log line written inside the handler names the same trace.
  const received = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'order received');
  expect(received).toEqual(expect.objectContaining({ traceId, spanId: http!.spanContext().spanId }));
  // The web request's own queries hang from the HTTP span.
  expect(inTrace.some((s) => s.name.startsWith('db ') && parentOf(s) === http!.spanContext().spanId)).toBe(true);
});

/** A stand-in OpenTelemetry collector: keeps the spans of every OTLP/HTTP JSON export it receives. */
async function startCollector(): Promise<{ endpoint: string; spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }>; close(): Promise<void> }> {
  const spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body);
        for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

test('the image’s path: the prebuilt bundle (deploy/bundle-workflows.cjs) carries the workflow interceptor; the worker process exports over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and runs orders without it', async () => {
  const h2 = await createHarness({ worker: false });
  const collector = await startCollector();
  try {
    const bundle = path.join(testEnv().runDir, `workflow-bundle-image-${h2.taskQueue}.js`);
    execFileSync(process.execPath, [path.resolve(__dirname, '..', '..', 'deploy', 'bundle-workflows.cjs'), bundle], { stdio: 'ignore' });
    const runOne = async (env: Record<string, string>, name: string) => {
      const spawned = spawnWorkerProcess(h2, name, { BOXFLOW_WORKFLOW_BUNDLE: bundle, ...env });
      try {
        await spawned.ready;
        const order = sampleOrder();
        expect((await h2.api().post('/api/orders').send(order)).status).toBe(201);
        expect((await orderResult(h2, order.orderNo)).status).toBe('shipped');
        return order.orderNo;
      } finally {
        const exited = new Promise((r) => spawned.child.once('exit', r));
        spawned.child.kill('SIGTERM'); // the worker flushes its spans as it stops
        await exited;
      }
    };
    // Tracing off (the image's default): the bundled interceptor's spans go to a sink that drops them.
    await runOne({}, 'image-worker-untraced');
    expect(collector.spans).toEqual([]);
    // Tracing on.
    await runOne({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint }, 'image-worker-traced');
    const names = new Set(collector.spans.map((s) => s.name));
    for (const n of ['StartActivity:bookShipment', 'RunActivity:bookShipment', 'StartActivity:acceptOrder', 'RunActivity:acceptOrder']) expect(names).toContain(n);
    const run = collector.spans.find((s) => s.name === 'RunActivity:bookShipment')!;
    const start = collector.spans.find((s) => s.spanId === run.parentSpanId);
    expect(start?.name).toBe('StartActivity:bookShipment');
    expect(start?.traceId).toBe(run.traceId);
    expect(collector.spans.some((s) => s.name.startsWith('db ') && s.parentSpanId === run.spanId)).toBe(true);
    await expectLedgerHolds(h2);
  } finally {
    await collector.close();
    await h2.close();
  }
});
