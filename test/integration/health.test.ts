/**
 * /healthz and /readyz (issue 14): ready only when the database answers with every migration applied,
 * Temporal answers and a worker polls the app's task queue.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { createDb } from '../../db/knex';
import { buildPolicy } from '../../domain/policy';
import { createApp } from '../../web/app';
import { API_KEY, createHarness, Harness, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const policy = () => buildPolicy({ timeScale: 1 });

test('/healthz answers while the process runs; /readyz is 200 with every check once the worker polls', async () => {
  const alive = await request(h.app).get('/healthz');
  expect(alive.status).toBe(200);
  expect(alive.body).toEqual({ ok: true });
  const ready = await waitFor('the worker to poll', async () => {
    const res = await request(h.app).get('/readyz');
    return res.status === 200 ? res : undefined;
  });
  expect(ready.body.ok).toBe(true);
  expect(ready.body.checks).toEqual({
    database: { ok: true },
    migrations: { ok: true, pending: [] },
    temporal: { ok: true },
    worker: { ok: true, taskQueue: h.taskQueue, pollers: expect.any(Number) },
  });
  expect(ready.body.checks.worker.pollers).toBeGreaterThanOrEqual(1);
});

test('/readyz is 503 when no worker polls the task queue', async () => {
  const app = createApp({ db: h.db, temporal: { client: h.client, taskQueue: `${h.taskQueue}-nobody`, policy: policy() }, apiKey: API_KEY });
  const res = await request(app).get('/readyz');
  expect(res.status).toBe(503);
  expect(res.body.ok).toBe(false);
  expect(res.body.checks.database.ok).toBe(true);
  expect(res.body.checks.temporal.ok).toBe(true);
  expect(res.body.checks.worker).toEqual(expect.objectContaining({ ok: false, pollers: 0 }));
});

test('/readyz is 503 when migrations are pending or Temporal does not answer', async () => {
  const fresh = createDb({ dataDir: path.dirname(h.dbFile), databaseUrl: `sqlite:${path.join(path.dirname(h.dbFile), `unmigrated-${h.taskQueue}.sqlite`)}` });
  const lazy = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] }); // no retries: fail at once
  try {
    const app = createApp({ db: fresh, temporal: { client: new Client({ connection: lazy }), taskQueue: h.taskQueue, policy: policy() }, apiKey: API_KEY });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks.database.ok).toBe(true);
    expect(res.body.checks.migrations.ok).toBe(false);
    expect(res.body.checks.migrations.pending).toContain('012_stock_movements');
    expect(res.body.checks.temporal.ok).toBe(false);
    expect(res.body.checks.worker.ok).toBe(false);
  } finally {
    await fresh.destroy();
    await lazy.close().catch(() => undefined);
  }
});
