/**
 * Security review findings (issue 13), each with its test: anonymous visitors add no session rows,
 * signed-in pages are not cacheable, BOXFLOW_TRUST_PROXY decides whose address a sign-in lockout
 * counts against.
 */
import request from 'supertest';
import { decideTask } from '../../web/services/order-commands';
import { claimTask, holdForDecision, releaseHold } from '../../db/inbox';
import { insertOrder } from '../../db/orders';
import { dbTime } from '../../db/time';
import { createApp, trustProxySetting } from '../../web/app';
import { API_KEY, createHarness, csrfFrom, Harness, sampleOrder, signIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: false });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

const sessionRows = async () => Number((await h.db('sessions').count({ n: '*' }))[0].n);

test('1,000 anonymous GET /login add no session rows; the form still works', async () => {
  const before = await sessionRows();
  for (let i = 0; i < 1000; i++) expect((await request(h.app).get('/login')).status).toBe(200);
  expect(await sessionRows()).toBe(before);
  // The anonymous cookie carries the form's CSRF token: signing in works, a forged token does not.
  const { user, password } = await signIn(h, 'staff'); // signIn goes through GET /login + POST /login
  const browser = request.agent(h.app);
  const form = await browser.get('/login');
  expect((await browser.post('/login').type('form').send({ _csrf: 'forged', username: user.username, password })).status).toBe(403);
  const ok = await browser.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: user.username, password });
  expect(ok.status).toBe(303);
  expect(await sessionRows()).toBe(before + 2); // the two signed-in sessions only
});

test('signed-in pages are not cacheable (Cache-Control: no-store)', async () => {
  const { agent } = await signIn(h, 'admin');
  for (const path of ['/orders', '/catalog', '/service', '/console', '/analytics', '/account', '/admin/users', '/training']) {
    const res = await agent.get(path);
    expect([path, res.status, res.headers['cache-control']]).toEqual([path, 200, 'no-store']);
  }
});

describe('BOXFLOW_TRUST_PROXY', () => {
  const appWith = (trustProxy: string) => createApp({ db: h.db, temporal: { client: h.client, taskQueue: h.taskQueue, policy: undefined as never }, apiKey: API_KEY, trustProxy, auth: { loginLimit: 2 } });
  async function failSignIn(app: ReturnType<typeof createApp>, forwardedFor: string) {
    const browser = request.agent(app);
    const form = await browser.get('/login');
    return (await browser.post('/login').set('X-Forwarded-For', forwardedFor).type('form').send({ _csrf: csrfFrom(form.text), username: 'admin', password: 'wrong' })).status;
  }

  test('behind one proxy (1): each client has its own lockout; a spoofed X-Forwarded-For entry does not choose the address', async () => {
    const app = appWith('1');
    expect([await failSignIn(app, '203.0.113.7'), await failSignIn(app, '203.0.113.7'), await failSignIn(app, '203.0.113.7')]).toEqual([401, 401, 429]);
    expect(await failSignIn(app, '198.51.100.9')).toBe(401); // another customer of the same proxy is not locked out
    expect(await failSignIn(app, '198.51.100.22, 203.0.113.7')).toBe(429); // the proxy appended the real address
  });

  test('trust none (false): X-Forwarded-For is ignored, every request is the proxy\'s address', async () => {
    const app = appWith('false');
    await failSignIn(app, '203.0.113.7');
    await failSignIn(app, '203.0.113.8');
    expect(await failSignIn(app, '198.51.100.9')).toBe(429);
  });

  test('the setting is parsed strictly', () => {
    expect(trustProxySetting(undefined)).toBe('loopback');
    expect(trustProxySetting('2')).toBe(2);
    expect(trustProxySetting('10.0.0.0/8, loopback')).toBe('10.0.0.0/8, loopback');
    expect(() => trustProxySetting('true')).toThrow(/hops/);
  });
});

describe('session lifetime', () => {
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const H = 3600_000;
  async function sessionOf(role: 'staff') {
    const s = await signIn(h, role);
    const row = await h.db('sessions').where({ user_id: s.user.id }).first();
    return { ...s, id: row.id as string };
  }

  test('an 8-day-old session is refused although it was used a minute ago', async () => {
    const s = await sessionOf('staff');
    expect((await s.agent.get('/orders')).status).toBe(200);
    await h.db('sessions').where({ id: s.id }).update({ created_at: ago(8 * 24 * H), last_seen_at: ago(60_000), expires_at: new Date(Date.now() + 11 * H).toISOString() });
    const res = await s.agent.get('/orders');
    expect([res.status, res.headers.location]).toEqual([302, '/login?next=%2Forders']);
    expect(await h.db('sessions').where({ id: s.id }).first()).toBeUndefined();
  });

  test('12 hours idle: refused; 11 hours idle: still signed in', async () => {
    const idle = await sessionOf('staff');
    await h.db('sessions').where({ id: idle.id }).update({ created_at: ago(13 * H), last_seen_at: ago(12 * H + 60_000), expires_at: ago(60_000) });
    expect((await idle.agent.get('/orders')).status).toBe(302);
    const recent = await sessionOf('staff');
    await h.db('sessions').where({ id: recent.id }).update({ created_at: ago(12 * H), last_seen_at: ago(11 * H), expires_at: new Date(Date.now() + H).toISOString() });
    expect((await recent.agent.get('/orders')).status).toBe(200);
  });
});

test('a corrected address is validated in the one decision service (the console\'s "correct and resubmit" no longer skips it)', async () => {
  const temporal = { client: h.client, taskQueue: h.taskQueue, policy: undefined as never };
  const bad = { name: '', phone: 'x', line1: '<script>', city: '', postalCode: '', country: 'Narnia' };
  const r = await decideTask(h.db, temporal, 999_999, { decision: 'correct_and_resubmit', decidedBy: 'sup', correction: { shippingAddress: bad as never } });
  expect(r).toMatchObject({ kind: 'invalid', error: 'validation_failed' });
  expect((r as { message: string }).message).toMatch(/correction\.shippingAddress\.country/);
  // A valid address passes the check and meets the next one (no such task).
  const good = { name: '王小明', phone: '13800138000', line1: '世纪大道 100 号', city: '上海', postalCode: '200120', country: 'CN' };
  expect(await decideTask(h.db, temporal, 999_999, { decision: 'correct_and_resubmit', decidedBy: 'sup', correction: { shippingAddress: good } })).toMatchObject({ kind: 'not_found' });
});

test('with Secure cookies the session cookie is __Host-bf_session (Secure, Path=/, no Domain), and a plain bf_session is not read', async () => {
  const { user, password } = await signIn(h, 'staff'); // (a test agent sends no Secure cookie over http: sign in by hand below)
  const saved = process.env.BOXFLOW_SECURE_COOKIES;
  process.env.BOXFLOW_SECURE_COOKIES = '1';
  try {
    const form = await request(h.app).get('/login');
    const line = ([] as string[]).concat(form.headers['set-cookie'] ?? []).find((l) => l.startsWith('__Host-bf_session='))!;
    expect(line).toMatch(/; Path=\/;/);
    expect(line).toMatch(/Secure/);
    expect(line).not.toMatch(/Domain=/i);
    const anon = line.split(';')[0];
    const login = await request(h.app).post('/login').set('Cookie', anon).type('form').send({ _csrf: csrfFrom(form.text), username: user.username, password });
    expect(login.status).toBe(303);
    const session = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((l) => l.startsWith('__Host-bf_session=') && !l.startsWith('__Host-bf_session=;'))!.split(';')[0];
    expect((await request(h.app).get('/orders').set('Cookie', session)).status).toBe(200);
    expect((await request(h.app).get('/orders').set('Cookie', session.replace('__Host-', ''))).status).toBe(302);
  } finally {
    if (saved === undefined) delete process.env.BOXFLOW_SECURE_COOKIES;
    else process.env.BOXFLOW_SECURE_COOKIES = saved;
  }
});

test('a generated password must be changed at the first sign-in; until then only the account page', async () => {
  const admin = await signIn(h, 'admin');
  const list = await admin.agent.get('/admin/users');
  const created = await admin.agent.post('/admin/users').type('form').send({ _csrf: csrfFrom(list.text), username: 'newbie', role: 'staff', reason: 'hired' });
  expect(created.status).toBe(201);
  const generated = /<code class="one-time-password">([^<]+)<\/code>/.exec(created.text)![1];
  const browser = request.agent(h.app);
  const form = await browser.get('/login');
  expect((await browser.post('/login').type('form').send({ _csrf: csrfFrom(form.text), username: 'newbie', password: generated, next: '/orders' })).status).toBe(303);
  const blocked = await browser.get('/orders');
  expect([blocked.status, blocked.headers.location]).toEqual([302, '/account']);
  const account = await browser.get('/account').set('Accept-Language', 'en');
  expect(account.text).toContain('set a password of your own');
  const csrf = csrfFrom(account.text);
  expect((await browser.post('/service').type('form').send({ _csrf: csrf })).status).toBe(403);
  const changed = await browser.post('/account/password').type('form').send({ _csrf: csrf, currentPassword: generated, newPassword: 'a fresh passphrase 42', confirmPassword: 'a fresh passphrase 42' });
  expect(changed.status).toBe(200);
  expect((await browser.get('/orders')).status).toBe(200);
  // An admin's reset sets it again.
  const id = (await h.db('users').where({ username: 'newbie' }).first()).id;
  await admin.agent.post(`/admin/users/${id}/password`).type('form').send({ _csrf: csrfFrom((await admin.agent.get('/admin/users')).text), reason: 'forgot' });
  expect(Boolean((await h.db('users').where({ id }).first()).must_change_password)).toBe(true);
});

test('admin actions need the password entered in the last 10 minutes; re-authentication restores them', async () => {
  const admin = await signIn(h, 'admin');
  const sessionId = (await h.db('sessions').where({ user_id: admin.user.id }).first()).id;
  const csrf = csrfFrom((await admin.agent.get('/admin/users')).text);
  // Just signed in: allowed.
  expect((await admin.agent.post('/admin/users').type('form').send({ _csrf: csrf, username: 'fresh-1', role: 'staff' })).status).toBe(201);
  // Signed in 11 minutes ago, browser left open: refused with the password form, nothing written.
  await h.db('sessions').where({ id: sessionId }).update({ authenticated_at: new Date(Date.now() - 11 * 60_000).toISOString() });
  const stale = await admin.agent.post('/admin/users').type('form').set('Accept-Language', 'en').send({ _csrf: csrf, username: 'stale-1', role: 'admin' });
  expect(stale.status).toBe(401);
  expect(stale.text).toContain('Confirm your password');
  expect(await h.db('users').where({ username: 'stale-1' }).first()).toBeUndefined();
  expect((await admin.agent.post('/admin/api-keys').type('form').send({ _csrf: csrf, name: 'stale-key', scopes: 'orders:read' })).status).toBe(401);
  expect((await admin.agent.post('/admin/reauth').type('form').send({ _csrf: csrf, password: 'wrong', next: '/admin/users' })).status).toBe(403);
  const ok = await admin.agent.post('/admin/reauth').type('form').send({ _csrf: csrf, password: admin.password, next: '/admin/users' });
  expect([ok.status, ok.headers.location]).toEqual([303, '/admin/users']);
  expect((await admin.agent.post('/admin/users').type('form').send({ _csrf: csrf, username: 'stale-1', role: 'staff' })).status).toBe(201);
});

test('"claimed by someone else" is decided by the database: holding a task for a decision is one compare-and-set', async () => {
  const order = sampleOrder();
  await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: 'x', now: dbTime() });
  const [row] = await h.db('tasks').insert({
    order_no: order.orderNo, kind: 'stockout', status: 'open', options_json: '["wait_for_restock","cancel_line"]', default_option: 'wait_for_restock',
    deadline: dbTime(Date.now() + 3600_000), context_json: '{}', workflow_key: `test-${order.orderNo}`, created_at: dbTime(),
  }).returning('id');
  const id = typeof row === 'object' ? row.id : row;
  // Two supervisors deciding the unclaimed task at once: exactly one holds it.
  const [a, b] = await Promise.all([holdForDecision(h.db, id, 'sup.a'), holdForDecision(h.db, id, 'sup.b')]);
  expect([a.kind, b.kind].sort()).toEqual(['ok', 'taken']);
  const winner = a.kind === 'ok' ? 'sup.a' : 'sup.b';
  expect((await h.db('tasks').where({ id }).first()).assignee).toBe(winner);
  // A claim arriving after the hold loses too; the holder may hold again.
  expect((await claimTask(h.db, id, 'sup.c')).kind).toBe('taken');
  expect((await holdForDecision(h.db, id, winner)).kind).toBe('ok');
  // A refused decision gives the task back to nobody (it was nobody's before).
  await releaseHold(h.db, id, winner, null);
  expect((await h.db('tasks').where({ id }).first()).assignee).toBeNull();
  await h.db('tasks').where({ id }).update({ status: 'decided' });
  expect((await holdForDecision(h.db, id, 'sup.a')).kind).toBe('closed');
});
