/**
 * Sign-in, sessions, CSRF, roles, user administration and the audit log, on the real app (supertest)
 * with a real database. No worker is needed: nothing here starts an order.
 */
import crypto from 'node:crypto';
import request from 'supertest';
import { listAudit } from '../../db/audit';
import { createDb } from '../../db/knex';
import { buildPolicy } from '../../domain/policy';
import { createApp } from '../../web/app';
import { API_KEY, createHarness, csrfFrom, Harness, signIn } from '../support/harness';
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

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The bf_session cookie a response set (its value and full Set-Cookie line). */
function sessionCookie(res: request.Response): { token: string; line: string } | undefined {
  const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const line = lines.find((l) => l.startsWith('bf_session=') && !l.startsWith('bf_session=;'));
  return line ? { token: line.slice('bf_session='.length).split(';')[0], line } : undefined;
}

async function loginForm(agent: ReturnType<typeof request.agent>) {
  const res = await agent.get('/login').set('Accept-Language', 'en');
  return { res, csrf: csrfFrom(res.text) };
}

describe('pages need a signed-in user', () => {
  test('not signed in: pages redirect to /login with the path to come back to', async () => {
    const res = await request(h.app).get('/orders?status=shipped');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/orders?status=shipped')}`);
    expect((await request(h.app).get('/admin/users')).headers.location).toBe('/login?next=%2Fadmin%2Fusers');
    expect((await request(h.app).get('/catalog')).status).toBe(302);
  });

  test('/healthz, /static and the API stay as they were', async () => {
    expect((await request(h.app).get('/healthz')).status).toBe(200);
    expect((await request(h.app).get('/static/app.css')).status).toBe(200);
    expect((await h.api().get('/api/catalog')).status).toBe(200);
    expect((await request(h.app).get('/api/catalog')).status).toBe(401);
    // The API takes JSON POSTs with its key and no CSRF token.
    const bad = await h.api().post('/api/orders').send({});
    expect(bad.status).toBe(400);
  });
});

describe('sign-in', () => {
  test('success: a new session in the database (hashed id), a fresh cookie, redirect to next', async () => {
    const { agent, user, password } = await signIn(h, 'staff');
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom((await agent.get('/account')).text) });

    const browser = request.agent(h.app);
    const { res: form, csrf } = await loginForm(browser);
    const anonymous = sessionCookie(form)!;
    expect(anonymous.line).toMatch(/HttpOnly/i);
    expect(anonymous.line).toMatch(/SameSite=Lax/i);
    expect(anonymous.line).toMatch(/Path=\//);
    expect(anonymous.line).not.toMatch(/Secure/i); // plain http here; https or BOXFLOW_SECURE_COOKIES=1 adds it

    const res = await browser.post('/login').type('form').send({ _csrf: csrf, username: user.username.toUpperCase(), password, next: '/catalog' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/catalog');
    const signedIn = sessionCookie(res)!;
    // Regenerated at sign-in: a new token, the pre-login session row is gone.
    expect(signedIn.token).not.toBe(anonymous.token);
    expect(await h.db('sessions').where({ id: sha256(anonymous.token) }).first()).toBeUndefined();
    // Stored hashed: the row's id is the token's SHA-256, the token itself is nowhere.
    const row = await h.db('sessions').where({ id: sha256(signedIn.token) }).first();
    expect(row).toMatchObject({ user_id: user.id });
    expect(await h.db('sessions').where({ id: signedIn.token }).first()).toBeUndefined();

    const page = await browser.get('/catalog').set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain(user.displayName);
    expect(page.text).toContain('Sign out');
    expect(page.text).not.toContain('href="/admin/users"'); // staff see no admin link
  });

  test('failure: wrong password or unknown user get the same answer and no session', async () => {
    const { user } = await signIn(h, 'staff');
    const browser = request.agent(h.app);
    const { csrf } = await loginForm(browser);
    const before = await h.db('sessions').where({ user_id: user.id }).count({ n: '*' });
    for (const [username, password] of [[user.username, 'wrong-password'], ['nobody-here', 'whatever']]) {
      const res = await browser.post('/login').type('form').set('Accept-Language', 'en').send({ _csrf: csrf, username, password });
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong username or password.');
    }
    expect(await h.db('sessions').where({ user_id: user.id }).count({ n: '*' })).toEqual(before);
    expect((await browser.get('/orders')).status).toBe(302);
  });

  test('next must be a path on this site', async () => {
    const { user, password } = await signIn(h, 'staff');
    const browser = request.agent(h.app);
    const { csrf } = await loginForm(browser);
    const res = await browser.post('/login').type('form').send({ _csrf: csrf, username: user.username, password, next: '//evil.example/x' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/orders');
  });

  test('a deactivated user cannot sign in', async () => {
    const { user, password } = await signIn(h, 'staff');
    await h.db('users').where({ id: user.id }).update({ active: false });
    const browser = request.agent(h.app);
    const { csrf } = await loginForm(browser);
    expect((await browser.post('/login').type('form').send({ _csrf: csrf, username: user.username, password })).status).toBe(401);
  });

  test('rate limit: after 10 failures for one username from one address, 429', async () => {
    const { user, password } = await signIn(h, 'staff');
    const browser = request.agent(h.app);
    const { csrf } = await loginForm(browser);
    for (let i = 0; i < 10; i++) {
      expect((await browser.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: `guess-${i}` })).status).toBe(401);
    }
    const blocked = await browser.post('/login').type('form').set('Accept-Language', 'en').send({ _csrf: csrf, username: user.username, password });
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Too many failed sign-ins');
    // Another username from the same address is not blocked.
    const other = await signIn(h, 'staff');
    expect(other.user.id).toBeGreaterThan(0);
  });

  test('passwords are stored as scrypt strings, never as plaintext', async () => {
    const { user, password } = await signIn(h, 'staff');
    const row = await h.db('users').where({ id: user.id }).first();
    expect(row.password_hash).toMatch(/^\$scrypt\$ln=\d+,r=\d+,p=\d+\$/);
    expect(row.password_hash).not.toContain(password);
  });
});

describe('sessions', () => {
  test('survive a new app instance on the same database', async () => {
    const browser = request.agent(h.app);
    const { user, password } = await signIn(h, 'supervisor');
    const { csrf } = await loginForm(browser);
    const token = sessionCookie(await browser.post('/login').type('form').send({ _csrf: csrf, username: user.username, password }))!.token;

    const db2 = createDb(h.settings);
    try {
      const app2 = createApp({ db: db2, temporal: { client: h.client, taskQueue: h.taskQueue, policy: buildPolicy({ timeScale: 1, stockoutDefault: undefined }) }, apiKey: API_KEY });
      const res = await request(app2).get('/orders').set('Cookie', `bf_session=${token}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain(user.displayName);
    } finally {
      await db2.destroy();
    }
  });

  test('sign-out deletes the session; the old cookie no longer works', async () => {
    const s = await signIn(h, 'staff');
    const rows = await h.db('sessions').where({ user_id: s.user.id });
    expect(rows).toHaveLength(1);
    const res = await s.post('/logout');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect(await h.db('sessions').where({ user_id: s.user.id })).toHaveLength(0);
    expect((await s.agent.get('/orders')).status).toBe(302);
  });

  test('an expired session is not accepted', async () => {
    const s = await signIn(h, 'staff');
    await h.db('sessions').where({ user_id: s.user.id }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    expect((await s.agent.get('/orders')).status).toBe(302);
  });
});

describe('CSRF', () => {
  test('a form POST without the token, or with a wrong one, is refused with 403 and does nothing', async () => {
    const s = await signIn(h, 'staff');
    const none = await s.agent.post('/logout').type('form').set('Accept-Language', 'en').send({});
    expect(none.status).toBe(403);
    expect(none.text).toContain('This form has expired');
    const wrong = await s.agent.post('/logout').type('form').send({ _csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect((await s.agent.get('/orders')).status).toBe(200); // still signed in
    // A token from another session does not work either.
    const other = await signIn(h, 'staff');
    expect((await s.agent.post('/logout').type('form').send({ _csrf: other.csrfToken })).status).toBe(403);
  });

  test('with the token (form field or X-CSRF-Token header) the POST goes through', async () => {
    const s = await signIn(h, 'staff');
    const viaHeader = await s.agent.post('/account/password').set('X-CSRF-Token', s.csrfToken).type('form').set('Accept-Language', 'en')
      .send({ currentPassword: 'not-it', newPassword: 'x', confirmPassword: 'x' });
    expect(viaHeader.status).toBe(403); // past CSRF; refused by the password check
    expect(viaHeader.text).toContain('The current password is wrong.');
    const ok = await s.post('/logout');
    expect(ok.status).toBe(303);
  });

  test('anonymous POSTs without a session are refused too', async () => {
    expect((await request(h.app).post('/login').type('form').send({ username: 'admin', password: 'x' })).status).toBe(403);
  });
});

describe('roles', () => {
  test('staff and supervisors get 403 on the admin page; admins get it', async () => {
    const staff = await signIn(h, 'staff');
    const denied = await staff.agent.get('/admin/users').set('Accept-Language', 'en');
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('Not allowed');
    expect(denied.text).toContain('This page needs the role “Admin” or higher.');
    expect((await staff.post('/admin/users', { username: 'sneaky', role: 'admin' })).status).toBe(403);
    expect(await h.db('users').where({ username: 'sneaky' }).first()).toBeUndefined();

    const supervisor = await signIn(h, 'supervisor');
    expect((await supervisor.agent.get('/admin/users')).status).toBe(403);
    expect((await supervisor.agent.get('/orders')).status).toBe(200);

    const admin = await signIn(h, 'admin');
    const page = await admin.agent.get('/admin/users').set('Accept-Language', 'zh-CN');
    expect(page.status).toBe(200);
    expect(page.text).toContain('用户与角色');
    expect(page.text).toContain(staff.user.username);
  });

  test('a role change takes effect on the next request', async () => {
    const admin = await signIn(h, 'admin');
    const s = await signIn(h, 'staff');
    expect((await s.agent.get('/admin/users')).status).toBe(403);
    expect((await admin.post(`/admin/users/${s.user.id}/role`, { role: 'admin', reason: 'covers for the shop manager' })).status).toBe(303);
    expect((await s.agent.get('/admin/users')).status).toBe(200);
  });
});

describe('security headers', () => {
  test('CSP without unsafe-inline on pages and the API', async () => {
    for (const res of [await request(h.app).get('/login'), await h.api().get('/api/catalog'), await (await signIn(h, 'staff')).agent.get('/orders')]) {
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('user administration and the audit log', () => {
  test('an admin creates a user with a one-time password; the new user signs in; the audit log has the row', async () => {
    const admin = await signIn(h, 'admin');
    const username = `li.na-${crypto.randomBytes(3).toString('hex')}`;
    const res = await admin.post('/admin/users', { username, displayName: '李娜', role: 'supervisor', reason: 'new shift lead' }).set('Accept-Language', 'en');
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const password = /class="one-time-password">([^<]+)</.exec(res.text)![1];
    expect(password).toHaveLength(16);

    const row = await h.db('users').where({ username }).first();
    expect(row).toMatchObject({ role: 'supervisor', display_name: '李娜' });
    expect(row.password_hash).not.toContain(password);

    const { rows } = await listAudit(h.db, { action: 'user.create', actor: admin.user.username });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: admin.user.username, action: 'user.create', subject: `user:${username}`, reason: 'new shift lead', data: { userId: row.id, role: 'supervisor' } });
    expect(Date.now() - Date.parse(rows[0].at)).toBeLessThan(60_000);

    const browser = request.agent(h.app);
    const { csrf } = await loginForm(browser);
    expect((await browser.post('/login').type('form').send({ _csrf: csrf, username, password })).status).toBe(303);

    // The same name again: 409, nothing written.
    expect((await admin.post('/admin/users', { username, role: 'staff' })).status).toBe(409);
  });

  test('deactivate ends the user\'s sessions; reset password shows a new one and signs them out', async () => {
    const admin = await signIn(h, 'admin');
    const s = await signIn(h, 'staff');
    expect((await admin.post(`/admin/users/${s.user.id}/deactivate`, { reason: 'left the company' })).status).toBe(303);
    expect((await s.agent.get('/orders')).status).toBe(302);
    expect(await h.db('sessions').where({ user_id: s.user.id })).toHaveLength(0);
    expect((await admin.post(`/admin/users/${s.user.id}/activate`, { reason: 'came back' })).status).toBe(303);

    const t = await signIn(h, 'staff');
    const reset = await admin.post(`/admin/users/${t.user.id}/password`, { reason: 'forgot it' });
    expect(reset.status).toBe(200);
    const fresh = /class="one-time-password">([^<]+)</.exec(reset.text)![1];
    expect((await t.agent.get('/orders')).status).toBe(302);
    const browser = request.agent(h.app);
    const { csrf } = await loginForm(browser);
    expect((await browser.post('/login').type('form').send({ _csrf: csrf, username: t.user.username, password: t.password })).status).toBe(401);
    expect((await browser.post('/login').type('form').send({ _csrf: csrf, username: t.user.username, password: fresh })).status).toBe(303);

    const actions = (await listAudit(h.db, { actor: admin.user.username })).rows.map((r) => [r.action, r.reason]);
    expect(actions).toEqual(expect.arrayContaining([['user.deactivate', 'left the company'], ['user.activate', 'came back'], ['user.password_reset', 'forgot it']]));
  });

  test('the last active admin cannot be demoted or deactivated', async () => {
    // Only this test's admins exist as active admins: deactivate every other one first.
    const admin = await signIn(h, 'admin');
    await h.db('users').where({ role: 'admin' }).whereNot({ id: admin.user.id }).update({ active: false });
    expect((await admin.post(`/admin/users/${admin.user.id}/role`, { role: 'staff' })).status).toBe(409);
    expect((await admin.post(`/admin/users/${admin.user.id}/deactivate`, {})).status).toBe(409);
    expect((await h.db('users').where({ id: admin.user.id }).first()).role).toBe('admin');
  });

  test('changing one\'s own password: new session id, other sessions end, the old password stops working', async () => {
    const a = await signIn(h, 'staff');
    const elsewhere = request.agent(h.app);
    const { csrf } = await loginForm(elsewhere);
    expect((await elsewhere.post('/login').type('form').send({ _csrf: csrf, username: a.user.username, password: a.password })).status).toBe(303);

    const before = await h.db('sessions').where({ user_id: a.user.id });
    expect(before).toHaveLength(2);
    const mismatch = await a.post('/account/password', { currentPassword: a.password, newPassword: 'a brand new passphrase', confirmPassword: 'another one entirely' });
    expect(mismatch.status).toBe(400);
    const res = await a.post('/account/password', { currentPassword: a.password, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
    expect(res.status).toBe(200);
    const after = await h.db('sessions').where({ user_id: a.user.id });
    expect(after).toHaveLength(1);
    expect(before.map((r) => r.id)).not.toContain(after[0].id);
    expect((await elsewhere.get('/orders')).status).toBe(302);
    expect((await a.agent.get('/orders')).status).toBe(200);
    expect((await listAudit(h.db, { actor: a.user.username, action: 'account.password_change' })).total).toBe(1);
  });
});
