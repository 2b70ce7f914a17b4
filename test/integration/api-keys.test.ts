/**
 * Scoped API keys: each /api route needs its scope (domain/api-scopes.ts), checked for every route
 * of the app against a key holding each scope; revoked and unknown keys are refused; the operator
 * key must be long and not the example; `npm run key` and the admin page create, list and revoke.
 */
import type { Express } from 'express';
import request from 'supertest';
import { createApiKey, fingerprintOf, revokeApiKey } from '../../db/api-keys';
import { API_SCOPES, ApiScope, ROUTE_SCOPES } from '../../domain/api-scopes';
import { main as keyCli } from '../../scripts/key';
import { EXAMPLE_API_KEY } from '../../web/api/auth';
import { createApp } from '../../web/app';
import { API_KEY, createHarness, csrfFrom, Harness, signIn } from '../support/harness';
import { appRoutes } from '../support/routes';
import { expectLedgerHolds } from '../support/ledger';
import { TEST_WEBHOOK_SECRETS } from '../support/webhooks';

let h: Harness;
const keys = new Map<ApiScope, string>();
beforeAll(async () => {
  h = await createHarness({ worker: false });
  for (const scope of API_SCOPES) keys.set(scope, (await createApiKey(h.db, { name: `only-${scope.replace(':', '-')}`, scopes: [scope], createdBy: 'test' })).key);
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

/** Every `METHOD /path` of the app under /api (the webhooks are signed, not keyed). */
const apiRoutes = (app: Express) => appRoutes(app).filter((r) => r.split(' ')[1].startsWith('/api/') && !r.split(' ')[1].startsWith('/api/webhooks/'));

test('every /api route of the app has a scope (a new route without one fails here)', () => {
  const routes = apiRoutes(h.app).map((r) => r.replace(' /api/', ' /'));
  expect(routes.length).toBeGreaterThanOrEqual(15);
  expect(routes.filter((r) => !(r in ROUTE_SCOPES))).toEqual([]);
});

test('route × scope: a key passes only the routes of its own scope (403 elsewhere); the operator key passes all', async () => {
  const wrong: string[] = [];
  for (const route of Object.keys(ROUTE_SCOPES)) {
    const [method, pattern] = route.split(' ');
    const path = `/api${pattern.replace(/:[A-Za-z]+/g, 'NOPE-1')}`;
    const call = (key: string) => (request(h.app) as any)[method.toLowerCase()](path).set('Authorization', `Bearer ${key}`).send(method === 'GET' ? undefined : {});
    for (const scope of API_SCOPES) {
      const res = await call(keys.get(scope)!);
      const allowed = ROUTE_SCOPES[route] === scope;
      if (allowed ? res.status === 401 || res.status === 403 || res.status >= 500 : res.status !== 403) wrong.push(`${route} with ${scope}: ${res.status}`);
    }
    const op = await call(API_KEY);
    if (op.status === 401 || op.status === 403 || op.status >= 500) wrong.push(`${route} with the operator key: ${op.status}`);
  }
  expect(wrong).toEqual([]);
});

test('unknown, malformed and revoked keys get 401; last use is recorded', async () => {
  const { key } = await createApiKey(h.db, { name: 'to-revoke', scopes: ['orders:read'], createdBy: 'test' });
  expect((await request(h.app).get('/api/orders').set('Authorization', `Bearer ${key}`)).status).toBe(200);
  expect((await h.db('api_keys').where({ name: 'to-revoke' }).first()).last_used_at).not.toBeNull();
  expect(await h.db('api_keys').where({ name: 'to-revoke' }).first()).not.toHaveProperty('key', key); // stored hashed
  expect(JSON.stringify(await h.db('api_keys').select())).not.toContain(key.slice(13));
  await revokeApiKey(h.db, 'to-revoke');
  for (const k of [key, `${key}x`, 'bfk_00000000_nope', 'x'.repeat(300)]) expect((await request(h.app).get('/api/orders').set('Authorization', `Bearer ${k}`)).status).toBe(401);
});

test('the operator key is refused when shorter than 32 characters or the example', () => {
  const deps = { db: h.db, temporal: { client: h.client, taskQueue: h.taskQueue, policy: undefined as never } };
  expect(() => createApp({ ...deps, apiKey: 'x'.repeat(31) })).toThrow(/at least 32/);
  expect(() => createApp({ ...deps, apiKey: EXAMPLE_API_KEY })).toThrow(/example/);
  expect(() => createApp({ ...deps, apiKey: 'y'.repeat(32) })).not.toThrow();
});

test('npm run key -- create | list | revoke', async () => {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = h.databaseUrl;
  const out: string[] = [];
  const err: string[] = [];
  try {
    expect(await keyCli(['create', 'erp-sync', 'inventory:write', 'inventory:read'], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    const key = /Key \(shown once\): (\S+)/.exec(out.join('\n'))![1];
    expect((await request(h.app).put('/api/inventory/NO-SUCH-SKU').set('Authorization', `Bearer ${key}`).send({ onHand: 1 })).status).toBe(404);
    expect((await request(h.app).get('/api/orders').set('Authorization', `Bearer ${key}`)).status).toBe(403);
    expect(await keyCli(['create', 'erp-sync', 'orders:read'], (s) => out.push(s), (s) => err.push(s))).toBe(1);
    expect(await keyCli(['create', 'bad', 'orders:everything'], (s) => out.push(s), (s) => err.push(s))).toBe(2);
    out.length = 0;
    expect(await keyCli(['list'], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect(out.join('\n')).toMatch(/erp-sync\tbfk_[0-9a-f]{8}…\tinventory:read inventory:write/);
    expect(out.join('\n')).not.toContain(key);
    expect(await keyCli(['revoke', 'erp-sync'], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect((await request(h.app).put('/api/inventory/NO-SUCH-SKU').set('Authorization', `Bearer ${key}`).send({ onHand: 1 })).status).toBe(401);
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
});

test('npm run key -- sign prints a curl line whose signature the webhook accepts', async () => {
  const saved = process.env.BOXFLOW_WEBHOOK_SECRETS_PAYMENT;
  process.env.BOXFLOW_WEBHOOK_SECRETS_PAYMENT = TEST_WEBHOOK_SECRETS.payment[0];
  const out: string[] = [];
  try {
    const body = JSON.stringify({ orderNo: 'NO-SUCH-ORDER', status: 'succeeded', reference: "it's", amount: 1 });
    expect(await keyCli(['sign', 'payment', body], (s) => out.push(s), () => undefined)).toBe(0);
  } finally {
    if (saved === undefined) delete process.env.BOXFLOW_WEBHOOK_SECRETS_PAYMENT;
    else process.env.BOXFLOW_WEBHOOK_SECRETS_PAYMENT = saved;
  }
  const line = out.join('\n');
  const headers = [...line.matchAll(/-H '([a-z-]+): ([^']+)'/g)].map((m) => [m[1], m[2]]);
  const raw = /--data-raw '(.*)'$/.exec(line)![1].replace(/'\\''/g, "'");
  expect(headers.map(([k]) => k).sort()).toEqual(['content-type', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
  const req = request(h.app).post('/api/webhooks/payment');
  for (const [k, v] of headers) req.set(k, v);
  const res = await req.send(raw);
  expect([res.status, res.body.error]).toEqual([404, 'not_found']); // past the signature: the order is unknown
});

test('the admin page creates a key (shown once), lists it and revokes it; not for supervisors', async () => {
  const supervisor = await signIn(h, 'supervisor');
  expect((await supervisor.agent.get('/admin/api-keys')).status).toBe(403);
  const admin = await signIn(h, 'admin');
  const list = await admin.agent.get('/admin/api-keys').set('Accept-Language', 'en');
  expect(list.status).toBe(200);
  expect(list.headers['cache-control']).toBe('no-store');
  expect(list.text).toContain(fingerprintOf(API_KEY));
  expect(list.text).not.toContain(API_KEY);
  const created = await admin.agent.post('/admin/api-keys').type('form').send({ _csrf: csrfFrom(list.text), name: 'storefront', scopes: ['orders:write', 'orders:read'] });
  expect(created.status).toBe(201);
  const key = /<code class="one-time-key">([^<]+)<\/code>/.exec(created.text)![1];
  expect((await request(h.app).get('/api/orders').set('Authorization', `Bearer ${key}`)).status).toBe(200);
  const again = await admin.agent.get('/admin/api-keys');
  expect(again.text).toContain('storefront');
  expect(again.text).not.toContain(key);
  expect((await admin.agent.post('/admin/api-keys').type('form').send({ _csrf: csrfFrom(again.text), name: 'storefront', scopes: 'orders:read' })).status).toBe(409);
  expect((await admin.agent.post('/admin/api-keys').type('form').send({ _csrf: csrfFrom(again.text), name: 'nothing' })).status).toBe(400);
  const id = (await h.db('api_keys').where({ name: 'storefront' }).first()).id;
  const revoked = await admin.agent.post(`/admin/api-keys/${id}/revoke`).type('form').send({ _csrf: csrfFrom(again.text) });
  expect(revoked.status).toBe(303);
  expect((await request(h.app).get('/api/orders').set('Authorization', `Bearer ${key}`)).status).toBe(401);
});
