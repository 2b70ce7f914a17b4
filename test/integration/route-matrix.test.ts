/**
 * Route × role matrix (issue 13), built from the app's own route list: every page route, anonymous
 * and each role. A route that is not in the table below fails the test until someone decides who
 * may use it. (/api routes × API-key scopes: test/integration/api-keys.test.ts.)
 */
import type { Express } from 'express';
import request from 'supertest';
import type { Role } from '../../db/users';
import { createHarness, Harness, signIn, SignedIn } from '../support/harness';
import { appRoutes } from '../support/routes';
import { expectLedgerHolds } from '../support/ledger';

/** `station`: the warehouse stations (warehouse, supervisor, admin; not plain staff). */
type Need = 'public' | Role | 'json:supervisor' | 'station';
const NEEDS: Record<string, Need> = {
  'GET /healthz': 'public', 'GET /readyz': 'public', 'GET /metrics': 'public' /* loopback or BOXFLOW_METRICS_KEY, not a role */, 'GET /': 'public', 'GET /login': 'public', 'POST /login': 'public', 'POST /logout': 'public', 'GET /lang/:lang': 'public',
  'GET /account': 'staff', 'POST /account/password': 'staff',
  'GET /orders': 'staff', 'GET /orders/:orderNo': 'staff', 'GET /catalog': 'staff', 'POST /catalog/:sku/stockout-policy': 'admin', 'GET /service': 'staff', 'GET /service/orders/:orderNo': 'staff',
  'GET /console': 'staff', 'GET /console/tasks/:id': 'staff', 'GET /console/stuck': 'staff', 'GET /console/bulk': 'staff',
  'POST /console/tasks/:id/claim': 'supervisor', 'POST /console/tasks/:id/unclaim': 'supervisor', 'POST /console/tasks/:id/assign': 'supervisor', 'POST /console/tasks/:id/decide': 'supervisor',
  'POST /console/stuck/:orderNo/retry': 'supervisor', 'POST /console/stuck/:orderNo/cancel': 'supervisor', 'POST /console/bulk': 'supervisor',
  'GET /console/audit': 'supervisor', 'GET /console/audit.csv': 'supervisor', 'GET /analytics': 'supervisor', 'GET /analytics.csv': 'supervisor',
  'GET /training': 'staff', 'GET /training/modules/:id': 'staff', 'POST /training/modules/:id/start': 'staff', 'POST /training/modules/:id/acknowledge': 'staff',
  'GET /training/runs/:id': 'staff', 'GET /training/runs/:id/print': 'staff', 'POST /training/runs/:id/items/:itemId': 'staff', 'GET /training/runs/:id/items/:itemId/evidence': 'staff',
  'POST /training/runs/:id/quiz': 'staff', 'POST /training/runs/:id/submit': 'staff',
  'POST /training/runs/:id/sign-off': 'supervisor', 'POST /training/runs/:id/send-back': 'supervisor', 'GET /training/team': 'supervisor', 'GET /training/team.csv': 'supervisor', 'POST /training/assign': 'supervisor',
  'GET /admin/users': 'admin', 'POST /admin/users': 'admin', 'POST /admin/users/:id/role': 'admin', 'POST /admin/users/:id/deactivate': 'admin', 'POST /admin/users/:id/activate': 'admin', 'POST /admin/users/:id/password': 'admin',
  'GET /admin/reauth': 'admin', 'POST /admin/reauth': 'admin', 'GET /admin/api-keys': 'admin', 'POST /admin/api-keys': 'admin', 'POST /admin/api-keys/:id/revoke': 'admin',
  'GET /admin/webhooks': 'admin', 'POST /admin/webhooks': 'admin', 'POST /admin/webhooks/:id/disable': 'admin', 'POST /admin/webhooks/:id/rotate': 'admin', 'GET /admin/webhooks/deliveries/:id': 'admin', 'POST /admin/webhooks/deliveries/:id/redeliver': 'admin',
  'GET /warehouse': 'station', 'POST /warehouse/waves/:key/claim': 'station', 'POST /warehouse/waves/:key/release': 'station', 'GET /warehouse/waves/:key': 'station',
  'GET /warehouse/waves/:key/pick-list.pdf': 'station', 'GET /warehouse/slips/:file': 'station', 'GET /warehouse/product-labels/:file': 'station', 'GET /warehouse/labels/:file': 'station',
  'GET /warehouse/pick/:orderNo': 'station', 'POST /warehouse/pick/:orderNo/scan': 'station', 'POST /warehouse/pick/:orderNo/damage': 'station', 'POST /warehouse/pick/:orderNo/reset': 'station',
  'GET /warehouse/pack/:orderNo': 'station', 'POST /warehouse/pack/:orderNo': 'station', 'GET /warehouse/manifest/:carrier': 'station', 'POST /warehouse/manifest/:carrier/scan': 'station',
  'POST /warehouse/pick/:orderNo/seal-broken': 'station', 'GET /warehouse/manifest/:carrier/manifest.pdf': 'station',
  'POST /codec/encode': 'json:supervisor', 'POST /codec/decode': 'json:supervisor', 'OPTIONS /codec/:op': 'public',
};
const RANK: Record<Role, number> = { staff: 1, warehouse: 1, supervisor: 2, admin: 3 };
const ROLES: Role[] = ['staff', 'warehouse', 'supervisor', 'admin'];

const pageRoutes = (app: Express) => appRoutes(app).filter((r) => !r.split(' ')[1].startsWith('/api'));

let h: Harness;
const as: Partial<Record<Role, SignedIn>> = {};
beforeAll(async () => {
  h = await createHarness({ worker: false });
  for (const role of ROLES) as[role] = await signIn(h, role);
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

test('every page route of the app has an entry in the matrix', () => {
  const routes = pageRoutes(h.app);
  expect(routes.length).toBeGreaterThan(40);
  expect(routes.filter((r) => !(r in NEEDS))).toEqual([]);
});

test('route × role: anonymous is sent to sign in, a lower role is refused, the role itself and higher get through', async () => {
  const wrong: string[] = [];
  const denied = (text: string) => /This page needs the role|needs role/.test(text);
  for (const [route, need] of Object.entries(NEEDS)) {
    if (need === 'public') continue;
    const [method, pattern] = route.split(' ');
    const path = pattern.replace(/:lang/, 'en').replace(/:[A-Za-z]+/g, '999999');
    const anon = method === 'GET' ? await request(h.app).get(path) : await request(h.app).post(path).type(need === 'json:supervisor' ? 'json' : 'form').send({});
    const anonOk = need === 'json:supervisor' ? anon.status === 401 : method === 'GET' ? anon.status === 302 && String(anon.headers.location).startsWith('/login') : anon.status === 403 || (anon.status === 303 && String(anon.headers.location).startsWith('/login'));
    if (!anonOk) wrong.push(`${route} anonymous: ${anon.status} ${anon.headers.location ?? ''}`);
    for (const role of ROLES) {
      const s = as[role]!;
      const res = method === 'GET'
        ? await s.agent.get(path).set('Accept-Language', 'en')
        : need === 'json:supervisor'
          ? await s.agent.post(path).set('Accept-Language', 'en').send({ payloads: [] })
          : await s.agent.post(path).set('Accept-Language', 'en').type('form').send({ _csrf: s.csrfToken });
      const allowed = need === 'station' ? role !== 'staff' : RANK[role] >= RANK[need === 'json:supervisor' ? 'supervisor' : need];
      const refused = res.status === 403 && denied(res.text);
      if (allowed && (refused || res.status === 401 || String(res.headers.location ?? '').startsWith('/login'))) wrong.push(`${route} as ${role}: refused (${res.status})`);
      if (!allowed && !refused) wrong.push(`${route} as ${role}: not refused (${res.status})`);
    }
  }
  expect(wrong).toEqual([]);
});
