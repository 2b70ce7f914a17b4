/**
 * P4.1: GET /api/analytics and its CSV against the hand-computed fixture (test/support/analytics-fixture.ts),
 * written to a real database together with rows just outside the window, which must not count.
 */
import crypto from 'node:crypto';
import { dbTime } from '../../db/time';
import * as F from '../support/analytics-fixture';
import { createHarness, Harness, signIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;

const RANGE = `from=${F.WINDOW.from}&to=${F.WINDOW.to}`;

async function insertOrder(orderNo: string, o: { type: string; status: string; createdAt: string; shippedAt: string | null; shipBy: string | null }) {
  await h.db('orders').insert({
    order_no: orderNo,
    workflow_id: `order-${orderNo}`,
    type: o.type,
    status: o.status,
    currency: 'CNY',
    total_amount: 100,
    customer_json: JSON.stringify({ name: 'Fixture', phone: '13900000000' }),
    shipping_address_json: JSON.stringify({ name: 'Fixture', phone: '13900000000', line1: 'x', city: '上海', postalCode: '200000', country: 'CN' }),
    customer_phone: '13900000000',
    destination_country: 'CN',
    payment_method: 'card',
    payment_token: 'tok_paid',
    request_hash: crypto.randomBytes(8).toString('hex'),
    created_at: dbTime(Date.parse(o.createdAt)),
    updated_at: dbTime(Date.parse(o.createdAt)),
    shipped_at: o.shippedAt ? dbTime(Date.parse(o.shippedAt)) : null,
    ship_by: o.shipBy ? dbTime(Date.parse(o.shipBy)) : null,
  });
}

let seq = 0;
async function insertWorld(
  orders: typeof F.orders,
  statusEvents: typeof F.statusEvents,
  lines: typeof F.lines,
  shipments: typeof F.shipments,
  returnLines: typeof F.returnLines,
  tasks: typeof F.tasks,
) {
  for (const o of orders) await insertOrder(o.orderNo, o);
  for (const e of statusEvents) {
    await h.db('order_events').insert({ order_no: e.orderNo, at: e.at, type: 'status', detail: e.status, data_json: JSON.stringify({ status: e.status }), dedupe_key: `fx-${++seq}` });
  }
  // Events of other types whose text mentions paid must not be taken for payment confirmation.
  await h.db('order_events').insert({ order_no: orders[0].orderNo, at: '2025-03-02T00:00:00.000Z', type: 'decision', detail: 'paid', data_json: JSON.stringify({ status: 'paid' }), dedupe_key: `fx-${++seq}` });
  let lineNo = 0;
  for (const l of lines) await h.db('order_lines').insert({ order_no: l.orderNo, line_no: ++lineNo, sku: l.sku, quantity: l.quantity, unit_price: 10, reserved_quantity: 0, status: l.status });
  for (const s of shipments) {
    await h.db('shipments').insert({
      id: `SHP-fx-${++seq}`,
      order_no: s.orderNo,
      parcel_index: seq,
      status: s.shippedAt ? 'shipped' : 'packed',
      carrier: s.carrier,
      tracking_no: `${s.carrier}${seq}`,
      weight_grams: 100,
      volume_cm3: 100,
      items_json: '[]',
      shipped_at: s.shippedAt,
      delivered_at: s.deliveredAt,
      delayed: s.delayed,
      kind: s.kind,
      created_at: dbTime(),
    });
  }
  // What the provider and the carriers hold for such a world (the ledger checks them at the end):
  // every order past payment charged for its live lines, every parcel handed over booked.
  for (const o of orders.filter((x) => !['received', 'awaiting_payment', 'cancelled'].includes(x.status))) {
    const value = lines.filter((l) => l.orderNo === o.orderNo && l.status !== 'cancelled').reduce((n, l) => n + l.quantity * 10, 0);
    const charge = { order_no: o.orderNo, kind: 'charge', idempotency_key: `charge:${o.orderNo}`, amount: value, status: 'succeeded', created_at: o.createdAt };
    await h.db('sandbox_payment_operations').insert(charge);
    await h.db('payments').insert({ ...charge, currency: 'CNY', updated_at: o.createdAt });
  }
  for (const s of await h.db('shipments').where('id', 'like', 'SHP-fx-%').whereNotNull('shipped_at').whereIn('order_no', orders.map((o) => o.orderNo))) {
    await h.db('sandbox_carrier_bookings').insert({ carrier: s.carrier, idempotency_key: s.id, waybill_no: s.tracking_no, order_no: s.order_no, status: 'booked', created_at: dbTime() });
  }
  for (const r of returnLines) {
    const rma = `RMA-fx-${++seq}`;
    await h.db('returns').insert({ rma_no: rma, order_no: r.orderNo, source: 'customer', reason: 'fixture', status: 'requested', created_at: dbTime(), updated_at: dbTime() });
    await h.db('return_lines').insert({ rma_no: rma, sku: r.sku, quantity: r.quantity, unit_price: 10 });
  }
  for (const t of tasks) {
    await h.db('tasks').insert({
      order_no: t.orderNo,
      kind: t.kind,
      status: t.status,
      options_json: '[]',
      default_option: 'x',
      deadline: t.createdAt,
      context_json: JSON.stringify(t.context),
      decision: t.decidedAt ? 'x' : null,
      decided_by: t.decidedAt ? 'fixture' : null,
      decided_at: t.decidedAt,
      workflow_key: `fx-${++seq}`,
      created_at: t.createdAt,
    });
  }
}

beforeAll(async () => {
  h = await createHarness({ worker: false });
  await insertWorld(F.orders, F.statusEvents, F.lines, F.shipments, F.returnLines, F.tasks);
  // Just outside the window on both sides (shop time UTC+8): late, delayed, returned, stocked out.
  // 2025-02-28T15:59:59.999Z is 2025-02-28 23:59:59.999 in Shanghai; 2025-03-31T16:00Z is 2025-04-01 00:00.
  const outside = [
    { orderNo: 'OUT1', type: 'retail', status: 'shipped', createdAt: '2025-02-28T15:59:59.999Z', shippedAt: '2025-03-02T00:00:00.000Z', shipBy: '2025-03-01T00:00:00.000Z' },
    { orderNo: 'OUT2', type: 'retail', status: 'shipped', createdAt: '2025-03-31T16:00:00.000Z', shippedAt: '2025-04-03T00:00:00.000Z', shipBy: '2025-04-01T16:00:00.000Z' },
  ];
  await insertWorld(
    outside,
    outside.map((o) => ({ orderNo: o.orderNo, at: o.createdAt, status: 'paid' })),
    outside.map((o) => ({ orderNo: o.orderNo, sku: F.A, quantity: 5, status: 'shipped' })),
    outside.map((o) => ({ orderNo: o.orderNo, carrier: 'SF', kind: 'outbound', shippedAt: o.shippedAt, deliveredAt: '2025-04-05T00:00:00.000Z', delayed: true })),
    outside.map((o) => ({ orderNo: o.orderNo, sku: F.A, quantity: 5 })),
    outside.map((o) => ({ orderNo: o.orderNo, kind: 'stockout', status: 'decided', createdAt: o.createdAt, decidedAt: o.shippedAt, context: { shortages: [{ sku: F.A }] } })),
  );
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

test('GET /api/analytics gives the hand-computed figures; rows outside the window do not count', async () => {
  const res = await h.api().get(`/api/analytics?${RANGE}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual(F.EXPECTED);
});

test('a one-day window at the edge counts only that day, in shop time', async () => {
  // 2025-04-01 (shop time) holds OUT2 only: paid 03-31 16:00Z, shipped 04-03 00:00Z → 2 d 8 h = 56 h;
  // shipped after its ship_by (04-01 16:00Z).
  const res = await h.api().get('/api/analytics?from=2025-04-01&to=2025-04-01');
  expect(res.status).toBe(200);
  expect(res.body.orders).toEqual({ created: 1, shipped: 1 });
  expect(res.body.orderToShip).toEqual({ count: 1, withoutPayment: 0, p50Hours: 56, p90Hours: 56 });
  expect(res.body.onTimeShip).toEqual({ numerator: 0, denominator: 1, rate: 0 });
  expect(res.body.lateSkus).toEqual([{ sku: F.A, lateOrders: 1 }]);
});

test('GET /api/analytics.csv has every section with the figures, as RFC 4180 CSV', async () => {
  const res = await h.api().get(`/api/analytics.csv?${RANGE}`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  expect(res.headers['content-disposition']).toContain('boxflow-analytics-2025-03-01-2025-03-31.csv');
  const lines = res.text.replace(/^\uFEFF/, '').split('\r\n');
  expect(lines).toEqual(
    expect.arrayContaining([
      '# order_to_ship',
      'orders,shipped_without_payment_event,p50_hours,p90_hours',
      '5,0,10,32',
      '# on_time_ship',
      '3,4,0.75',
      '# carriers',
      'SF,3,1,0.3333,3,36',
      'YTO,2,1,0.5,1,72',
      '# returns_by_sku',
      'ACC-GLASS-CASE,3,1,0.3333',
      'BB-DIMOO-FOREST,4,1,0.25',
      'BB-MOLLY-SPACE,7,1,0.1429',
      '# stockouts_by_sku',
      'BB-DIMOO-FOREST,3',
      'ACC-GLASS-CASE,1',
      '# late_skus',
      'ACC-GLASS-CASE,2',
      'BB-DIMOO-FOREST,2',
      'BB-MOLLY-SPACE,1',
      '# tasks_by_kind',
      'sla_at_risk,4,3,2,2.83',
      'stockout,3,2,2.5,2.5',
    ]),
  );
});

describe('bad windows are 400 with details', () => {
  test.each([
    ['from=garbage', 'from'],
    ['to=2025-13-01', 'to'],
    ['from=2025-03-02&to=2025-03-01', 'from'],
    ['from=2024-01-01&to=2025-03-01', 'to'],
    ['from=2025-03-01&from=2025-03-02', 'from'],
  ])('%s', async (query, path) => {
    for (const url of [`/api/analytics?${query}`, `/api/analytics.csv?${query}`]) {
      const res = await h.api().get(url);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_failed');
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    }
  });
});

test('the API needs the API key', async () => {
  const { default: request } = await import('supertest');
  expect((await request(h.app).get(`/api/analytics?${RANGE}`)).status).toBe(401);
});

describe('the /analytics page', () => {
  test('supervisors see the figures, charts and a CSV link; staff are refused', async () => {
    const sup = await signIn(h, 'supervisor');
    const page = await sup.agent.get(`/analytics?${RANGE}`).set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<svg class="bars"');
    expect(page.text).toContain('33.3 %'); // SF delay rate 1/3
    expect(page.text).toContain('75.0 %'); // on-time 3/4
    expect(page.text).toContain('10 h'); // p50
    expect(page.text).toContain('32 h'); // p90
    expect(page.text).toContain(`href="/analytics.csv?${RANGE.replace('&', '&amp;')}"`);
    expect(page.text).not.toMatch(/<script|style=/);

    const csv = await sup.agent.get(`/analytics.csv?${RANGE}`);
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('5,0,10,32');

    const zh = await sup.agent.get(`/analytics?${RANGE}`).set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('按时发货率');

    const bad = await sup.agent.get('/analytics?from=<script>').set('Accept-Language', 'en');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The date range is not valid; showing the default (last 30 days).');
    expect(bad.text).toContain('<svg class="bars"'); // the default window's figures
    expect(bad.text).not.toContain('<script>');

    const staff = await signIn(h, 'staff');
    expect((await staff.agent.get('/analytics')).status).toBe(403);
    expect((await staff.agent.get('/analytics.csv')).status).toBe(403);
  });

  test('signed out: to the sign-in page', async () => {
    const { default: request } = await import('supertest');
    const res = await request(h.app).get('/analytics');
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login/);
  });
});
