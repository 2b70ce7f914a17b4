/**
 * Outbound webhooks (issue 13) against a real HTTP receiver in this process: subscriptions made on
 * the admin page, an order that ships, each delivery's Standard Webhooks signature verified with the
 * `standardwebhooks` package, a receiver that fails first and gets it after a retry, a redelivery
 * with the same webhook-id; delivered, delayed, return received and refund, each once with its facts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { createApiKey } from '../../db/api-keys';
import { emitWebhookEvent, listAttempts } from '../../db/outbound-webhooks';
import { createHarness, Harness, maybeRecordWorkflowHistory, orderResult, orderStatusIs, sampleOrder, signIn, SignedIn, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
const failedOnce = new Set<string>();
let server: http.Server;
let base = '';
let h: Harness;
let admin: SignedIn;
const previousAllow = process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE;

beforeAll(async () => {
  process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE = '1';
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const id = String(req.headers['webhook-id']);
      if (r.path === '/flaky' && !failedOnce.has(id)) {
        failedOnce.add(id);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom: database down');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`thanks for ${id}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Time scale 0.0001 (as in after-handover.test.ts): a 22 h journey takes seconds, SF's delay threshold 8.6 s.
  h = await createHarness({ env: { BOXFLOW_TIME_SCALE: '0.0001' } });
  admin = await signIn(h, 'admin');
});

afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (previousAllow === undefined) delete process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE;
    else process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE = previousAllow;
  }
});

const form = (fields: Array<[string, string]>, csrf: string) => new URLSearchParams([...fields, ['_csrf', csrf]]).toString();

async function subscribe(name: string, url: string, types: string[]): Promise<{ id: number; secret: string }> {
  const res = await admin.agent.post('/admin/webhooks').type('form').set('Accept-Language', 'en').send(form([['name', name], ['url', url], ...types.map((t): [string, string] => ['eventTypes', t])], admin.csrfToken));
  expect(res.status).toBe(201);
  const secret = /<code class="one-time-key">(whsec_[^<]+)<\/code>/.exec(res.text)?.[1];
  expect(secret).toBeDefined();
  const row = await h.db('webhook_subscriptions').where({ name }).first();
  return { id: row.id, secret: secret! };
}

/** Verifies with the standardwebhooks package, as a receiver would; throws on a bad signature. */
function verified(r: Received, secret: string): { id: string; type: string; data: Record<string, any> } {
  const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
  return new Webhook(secret).verify(r.body, headers) as { id: string; type: string; data: Record<string, any> };
}

test('subscriptions refuse URLs that are not http(s), and private targets unless allowed; nothing is written', async () => {
  const before = await h.db('webhook_subscriptions').count({ n: '*' });
  for (const url of ['ftp://example.com/in', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url']) {
    const res = await admin.agent.post('/admin/webhooks').type('form').set('Accept-Language', 'en').send(form([['name', 'bad'], ['url', url], ['eventTypes', 'order.shipped']], admin.csrfToken));
    expect([url, res.status]).toEqual([url, 400]);
  }
  process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE = '0';
  try {
    const res = await admin.agent.post('/admin/webhooks').type('form').set('Accept-Language', 'en').send(form([['name', 'inside'], ['url', 'http://169.254.169.254/latest'], ['eventTypes', 'order.shipped']], admin.csrfToken));
    expect(res.status).toBe(400);
    expect(res.text).toContain('private addresses are refused');
  } finally {
    process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE = '1';
  }
  const noCsrf = await admin.agent.post('/admin/webhooks').type('form').send(new URLSearchParams([['name', 'x'], ['url', `${base}/ok`], ['eventTypes', 'order.shipped']]).toString());
  expect(noCsrf.status).toBe(403);
  expect(await h.db('webhook_subscriptions').count({ n: '*' })).toEqual(before);
});

test('an order that ships: "shipped" with the waybill reaches each subscriber once, signed; a failing receiver gets it after a retry; redeliver sends the same webhook-id', async () => {
  const storefront = await subscribe('storefront', `${base}/ok`, ['order.shipped', 'order.status_changed']);
  const erp = await subscribe('erp', `${base}/flaky`, ['order.shipped']);
  // The secret is shown once: the page does not show it again.
  const list = await admin.agent.get('/admin/webhooks').set('Accept-Language', 'en');
  expect(list.status).toBe(200);
  expect(list.text).not.toContain(storefront.secret);

  const order = sampleOrder();
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  const result = await orderResult(h, order.orderNo);
  expect(['shipped', 'delivered']).toContain(result.status);
  expect(result.trackingNumbers).toHaveLength(1);

  const shippedDeliveries = async () =>
    h.db('webhook_deliveries as d').join('webhook_outbox as o', 'o.event_id', 'd.event_id').where({ 'o.type': 'order.shipped', 'o.order_no': order.orderNo }).select('d.*');
  await waitFor('both shipped deliveries delivered', async () => {
    const rows = await shippedDeliveries();
    return rows.length === 2 && rows.every((r) => r.status === 'delivered');
  }, 90_000);

  // Every request the receiver got verifies with its subscription's secret.
  const secretFor = (r: Received) => (r.path === '/flaky' ? erp.secret : storefront.secret);
  const bodies = received.map((r) => ({ r, body: verified(r, secretFor(r)) }));
  for (const { r, body } of bodies) {
    expect(body.id).toBe(r.headers['webhook-id']);
    expect(() => verified(r, r.path === '/flaky' ? storefront.secret : erp.secret)).toThrow();
  }

  // "shipped" reached the storefront exactly once, with the waybill.
  const shippedToStorefront = bodies.filter(({ r, body }) => r.path === '/ok' && body.type === 'order.shipped' && body.data.orderNo === order.orderNo);
  expect(shippedToStorefront).toHaveLength(1);
  expect(shippedToStorefront[0].body.data).toEqual(expect.objectContaining({ orderNo: order.orderNo, waybill: result.trackingNumbers[0], carrier: 'YTO' }));

  // The ERP answered 500 first: the same event (same webhook-id) again after the back-off, then 200.
  const toErp = bodies.filter(({ r }) => r.path === '/flaky');
  expect(toErp.map(({ body }) => body.type)).toEqual(['order.shipped', 'order.shipped']);
  expect(toErp[0].body.id).toBe(toErp[1].body.id);
  expect(toErp[0].body.id).toBe(shippedToStorefront[0].body.id);
  const erpDelivery = (await shippedDeliveries()).find((d) => d.subscription_id === erp.id);
  expect(erpDelivery).toEqual(expect.objectContaining({ status: 'delivered', attempts: 2, last_status_code: 200 }));
  await waitFor('the delivery workflow to complete', async () => (await h.client.workflow.getHandle(`webhook-${erpDelivery.id}`).describe()).status.name === 'COMPLETED' || undefined);
  await maybeRecordWorkflowHistory(h, `webhook-${erpDelivery.id}`, 'v7-webhook-delivery-retried');
  const attempts = await listAttempts(h.db, erpDelivery.id);
  expect(attempts.map((a) => [a.attempt, a.statusCode, a.responseSnippet])).toEqual([
    [1, 500, 'boom: database down'],
    [2, 200, `thanks for ${toErp[0].body.id}`],
  ]);

  // Status changes: one event per change, each delivered once, shipped among them.
  await waitFor('status changes delivered', async () => {
    const rows = await h.db('webhook_deliveries as d').join('webhook_outbox as o', 'o.event_id', 'd.event_id').where({ 'o.type': 'order.status_changed', 'o.order_no': order.orderNo }).select('d.status');
    return rows.length > 0 && rows.every((r) => r.status === 'delivered');
  });
  const statusBodies = received.filter((r) => r.path === '/ok').map((r) => verified(r, storefront.secret)).filter((b) => b.type === 'order.status_changed' && b.data.orderNo === order.orderNo);
  expect(new Set(statusBodies.map((b) => b.id)).size).toBe(statusBodies.length);
  expect(statusBodies.map((b) => b.data.status)).toEqual(expect.arrayContaining(['paid', 'booked', 'shipped']));

  // The delivery log shows it; redeliver sends the same webhook-id once more and is audited.
  const storefrontDelivery = (await shippedDeliveries()).find((d) => d.subscription_id === storefront.id);
  const log = await admin.agent.get('/admin/webhooks?status=delivered').set('Accept-Language', 'en');
  expect(log.text).toContain(storefrontDelivery.id);
  expect(log.text).toContain(order.orderNo);
  const detail = await admin.agent.get(`/admin/webhooks/deliveries/${storefrontDelivery.id}`).set('Accept-Language', 'en');
  expect(detail.status).toBe(200);
  expect(detail.text).toContain('thanks for');

  const countTo = (path: string, id: string) => received.filter((r) => r.path === path && r.headers['webhook-id'] === id).length;
  const eventId = shippedToStorefront[0].body.id;
  expect(countTo('/ok', eventId)).toBe(1);
  const redeliver = await admin.post(`/admin/webhooks/deliveries/${storefrontDelivery.id}/redeliver`);
  expect(redeliver.status).toBe(303);
  await waitFor('the redelivery', async () => countTo('/ok', eventId) === 2 && (await h.db('webhook_deliveries').where({ id: storefrontDelivery.id, status: 'delivered' }).first()));
  const again = received.filter((r) => r.path === '/ok' && r.headers['webhook-id'] === eventId);
  expect(verified(again[1], storefront.secret)).toEqual(verified(again[0], storefront.secret));
  expect(await h.db('webhook_deliveries').where({ id: storefrontDelivery.id }).first()).toEqual(expect.objectContaining({ status: 'delivered', attempts: 2, redeliveries: 1 }));
  expect(await h.db('audit_log').where({ action: 'webhook.redelivered', subject: `webhook_delivery:${storefrontDelivery.id}` })).toHaveLength(1);

  // Rotation: a new secret, shown once; for a day both sign, so a receiver on either secret accepts.
  const rotated = await admin.post(`/admin/webhooks/${storefront.id}/rotate`).set('Accept-Language', 'en');
  expect(rotated.status).toBe(200);
  const newSecret = /<code class="one-time-key">(whsec_[^<]+)<\/code>/.exec(rotated.text)?.[1];
  expect(newSecret).toBeDefined();
  expect(newSecret).not.toBe(storefront.secret);
  expect((await admin.post(`/admin/webhooks/deliveries/${storefrontDelivery.id}/redeliver`)).status).toBe(303);
  await waitFor('the redelivery after the rotation', async () => countTo('/ok', eventId) === 3 && (await h.db('webhook_deliveries').where({ id: storefrontDelivery.id, status: 'delivered' }).first()));
  const third = received.filter((r) => r.path === '/ok' && r.headers['webhook-id'] === eventId)[2];
  expect(String(third.headers['webhook-signature']).split(' ')).toHaveLength(2);
  expect(verified(third, newSecret!).id).toBe(eventId);
  expect(verified(third, storefront.secret).id).toBe(eventId);
  expect(await h.db('audit_log').where({ action: 'webhook.secret_rotated' })).toHaveLength(1);

  // Disabled: no new deliveries for it.
  expect((await admin.post(`/admin/webhooks/${erp.id}/disable`)).status).toBe(303);
  expect((await h.db('webhook_subscriptions').where({ id: erp.id }).first()).disabled_at).toBeTruthy();
  expect(await h.db('audit_log').where({ action: 'webhook.subscription_disabled' })).toHaveLength(1);
}, 180_000);

test('delivered, delayed, return received and refund: each event once, signed, with its facts', async () => {
  const ops = await subscribe('ops', `${base}/ok`, ['order.delivered', 'order.delayed', 'return.received', 'refund.succeeded']);
  const sf = (tracking: string) => sampleOrder({ lines: [{ sku: 'ACC-GLASS-CASE', quantity: 1, unitPrice: 299 }], sandbox: { tracking: tracking as never } });
  const normal = sf('normal');
  const late = sf('delay');
  const back = sampleOrder({ lines: [{ sku: 'PL-LABUBU-30', quantity: 2, unitPrice: 399 }], sandbox: { tracking: 'return_to_sender' } });
  for (const o of [normal, late, back]) expect((await h.api().post('/api/orders').send(o)).status).toBe(201);

  await orderStatusIs(h, normal.orderNo, 'delivered', 90_000);
  const rma = await waitFor('the return', async () => h.db('returns').where({ order_no: back.orderNo }).first(), 90_000);
  expect((await h.api().post(`/api/returns/${rma.rma_no}/receive`).send({ lines: [{ sku: 'PL-LABUBU-30', quantity: 2, condition: 'resellable' }] })).status).toBe(202);
  await orderStatusIs(h, back.orderNo, 'returned', 60_000);

  // What reached "ops": the requests whose webhook-id is one of its deliveries' events, each verified with its secret.
  const opsIds = async () => new Set<string>((await h.db('webhook_deliveries as d').join('webhook_outbox as o', 'o.event_id', 'd.event_id').where('d.subscription_id', ops.id).select('o.event_id')).map((x) => x.event_id));
  const opsBodies = (ids: Set<string>) => received.filter((r) => r.path === '/ok' && ids.has(String(r.headers['webhook-id']))).map((r) => verified(r, ops.secret));
  await waitFor('the four kinds of events delivered to ops', async () => {
    const rows = await h.db('webhook_deliveries').where({ subscription_id: ops.id });
    const kinds = new Set(opsBodies(await opsIds()).map((b) => `${b.type}:${b.data.orderNo}`));
    return rows.every((r) => r.status === 'delivered') && [`order.delivered:${normal.orderNo}`, `order.delayed:${late.orderNo}`, `return.received:${back.orderNo}`, `refund.succeeded:${back.orderNo}`].every((k) => kinds.has(k));
  }, 90_000);
  const bodies = opsBodies(await opsIds());
  // Exactly once each: no event id twice, one event per fact.
  expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
  const one = (type: string, orderNo: string) => {
    const found = bodies.filter((b) => b.type === type && b.data.orderNo === orderNo);
    expect([type, orderNo, found.length]).toEqual([type, orderNo, 1]);
    return found[0].data;
  };
  const [normalShipment] = await h.db('shipments').where({ order_no: normal.orderNo });
  expect(one('order.delivered', normal.orderNo)).toEqual(expect.objectContaining({ shipmentId: normalShipment.id, carrier: 'SF', waybill: normalShipment.tracking_no }));
  const [lateShipment] = await h.db('shipments').where({ order_no: late.orderNo }).orderBy('parcel_index');
  expect(one('order.delayed', late.orderNo)).toEqual(expect.objectContaining({ shipmentId: lateShipment.id, waybill: lateShipment.tracking_no }));
  expect(one('return.received', back.orderNo)).toEqual(expect.objectContaining({ rmaNo: rma.rma_no, lines: [{ sku: 'PL-LABUBU-30', quantity: 2, condition: 'resellable' }] }));
  expect(one('refund.succeeded', back.orderNo)).toEqual(expect.objectContaining({ amount: 798, currency: 'CNY' }));
}, 240_000);

test('an event whose delivery was never started (a crash after the commit) is started by the next activity that writes a fact', async () => {
  const sweep = await subscribe('sweep', `${base}/ok`, ['refund.succeeded']);
  // The fact and its event committed, then the worker died before starting the delivery workflow.
  const eventId = await h.db.transaction((trx) => emitWebhookEvent(trx, { type: 'refund.succeeded', orderNo: 'SWEEP-1', sourceKey: 'test:sweep-1', data: { orderNo: 'SWEEP-1', amount: 1, currency: 'CNY', reason: 'test' } }));
  expect(eventId).toMatch(/^evt_[0-9a-f]{24}$/);
  const [delivery] = await h.db('webhook_deliveries').where({ event_id: eventId, subscription_id: sweep.id });
  expect(delivery).toEqual(expect.objectContaining({ status: 'pending', dispatched_at: null }));
  expect(received.filter((r) => r.headers['webhook-id'] === eventId)).toHaveLength(0);
  // Any later fact: an order's first status change.
  expect((await h.api().post('/api/orders').send(sampleOrder())).status).toBe(201);
  await waitFor('the swept delivery', async () => (await h.db('webhook_deliveries').where({ id: delivery.id, status: 'delivered' }).first()), 60_000);
  const got = received.filter((r) => r.headers['webhook-id'] === eventId && r.path === '/ok');
  // "ops" (above) also wants refunds: one request per subscription, each with its own secret.
  const mine = got.filter((r) => { try { verified(r, sweep.secret); return true; } catch { return false; } });
  expect(mine).toHaveLength(1);
  expect(verified(mine[0], sweep.secret).data).toEqual({ orderNo: 'SWEEP-1', amount: 1, currency: 'CNY', reason: 'test' });
}, 120_000);

test('the API (scope webhooks:manage): subscribe (the secret once), list, the delivery log, redeliver, disable', async () => {
  const { key } = await createApiKey(h.db, { name: 'erp-admin', scopes: ['webhooks:manage'], createdBy: 'test' });
  const { key: reader } = await createApiKey(h.db, { name: 'reader', scopes: ['orders:read'], createdBy: 'test' });
  const api = (k: string) => ({ get: (p: string) => request(h.app).get(p).set('Authorization', `Bearer ${k}`), post: (p: string) => request(h.app).post(p).set('Authorization', `Bearer ${k}`) });
  expect((await api(reader).get('/api/webhook-subscriptions')).status).toBe(403);
  for (const bad of [{ name: 'x', url: 'ftp://example.com', eventTypes: ['order.shipped'] }, { name: 'x', url: `${base}/ok`, eventTypes: ['order.nope'] }, { name: 'x', url: `${base}/ok`, eventTypes: [] }, { name: '', url: `${base}/ok`, eventTypes: ['order.shipped'] }, { name: 'x', url: `${base}/ok`, eventTypes: ['order.shipped'], secret: 'whsec_mine' }]) {
    const res = await api(key).post('/api/webhook-subscriptions').send(bad);
    expect([bad, res.status, res.body.error]).toEqual([bad, 400, 'validation_failed']);
  }
  const created = await api(key).post('/api/webhook-subscriptions').send({ name: 'chat bot', url: `${base}/ok`, eventTypes: ['order.delivered', 'order.delivered'] });
  expect(created.status).toBe(201);
  expect(created.body).toEqual(expect.objectContaining({ name: 'chat bot', url: `${base}/ok`, eventTypes: ['order.delivered'], createdBy: 'erp-admin', disabledAt: null }));
  expect(created.body.secret).toMatch(/^whsec_/);
  const listed = await api(key).get('/api/webhook-subscriptions');
  expect(listed.status).toBe(200);
  expect(listed.body.map((x: { name: string }) => x.name)).toContain('chat bot');
  expect(JSON.stringify(listed.body)).not.toContain('whsec_');

  expect((await api(key).get('/api/webhook-deliveries?status=nope')).status).toBe(400);
  expect((await api(key).get('/api/webhook-deliveries?limit=0')).status).toBe(400);
  const log = await api(key).get('/api/webhook-deliveries?status=delivered&limit=500');
  expect(log.status).toBe(200);
  expect(log.body.length).toBeGreaterThan(0);
  expect(log.body.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
  const target = log.body[0];
  const before = received.filter((r) => r.headers['webhook-id'] === target.eventId).length;
  expect((await api(key).post('/api/webhook-deliveries/dlv_000000000000000000000000/redeliver')).status).toBe(404);
  const again = await api(key).post(`/api/webhook-deliveries/${target.id}/redeliver`);
  expect(again.status).toBe(202);
  await waitFor('the API redelivery', async () => received.filter((r) => r.headers['webhook-id'] === target.eventId).length === before + 1 && (await h.db('webhook_deliveries').where({ id: target.id, status: 'delivered' }).first()));
  expect(await h.db('audit_log').where({ action: 'webhook.redelivered', actor: 'erp-admin' })).toHaveLength(1);

  expect((await api(key).post(`/api/webhook-subscriptions/${created.body.id}/disable`)).body.disabledAt).toBeTruthy();
  expect((await api(key).post(`/api/webhook-subscriptions/${created.body.id}/disable`)).status).toBe(404);
}, 60_000);
