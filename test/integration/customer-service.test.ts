/**
 * P3.5 customer service: find an order by order number, phone or waybill, and read its story in
 * Chinese or English: a hand-made order with tracking, a return and notifications, and a real order
 * run through the workflow by the worker.
 */
import crypto from 'node:crypto';
import { dbTime } from '../../db/time';
import { createHarness, Harness, orderStatusIs, sampleOrder, signIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
let staff: Awaited<ReturnType<typeof signIn>>;

const ORDER = `CSFX${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
const PHONE = `137${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;
const WAYBILL = `SF${crypto.randomInt(1e9, 1e10)}`;

/** The story's lines as the page shows them: "<time> text". */
function storyOf(html: string): string[] {
  const ol = /<ol class="timeline story"[^>]*>([\s\S]*?)<\/ol>/.exec(html);
  if (!ol) throw new Error('no story on the page');
  return [...ol[1].matchAll(/<li><time datetime="[^"]+">([^<]+)<\/time>([^<]*)<\/li>/g)].map((m) => `${m[1]} ${m[2]}`.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
}

beforeAll(async () => {
  h = await createHarness();
  staff = await signIn(h, 'staff');
  const at = (iso: string) => dbTime(Date.parse(iso));
  await h.db('orders').insert({
    order_no: ORDER,
    workflow_id: `order-${ORDER}`,
    type: 'retail',
    status: 'shipped',
    currency: 'CNY',
    total_amount: 138,
    customer_json: JSON.stringify({ name: '陈静', phone: PHONE }),
    shipping_address_json: JSON.stringify({ name: '陈静', phone: PHONE, line1: '天河路 1 号', city: '广州', postalCode: '510000', country: 'CN' }),
    customer_phone: PHONE,
    destination_country: 'CN',
    payment_method: 'card',
    payment_token: 'tok_paid',
    request_hash: 'x',
    created_at: at('2025-11-26T06:00:00Z'),
    updated_at: at('2025-11-26T08:00:00Z'),
    shipped_at: at('2025-11-26T08:00:00Z'),
    ship_by: at('2025-11-27T06:02:00Z'),
  });
  await h.db('order_lines').insert({ order_no: ORDER, line_no: 1, sku: 'BB-MOLLY-SPACE', quantity: 2, unit_price: 69, reserved_quantity: 0, status: 'shipped' });
  // What a shipped order leaves at the provider and the carrier (the ledger checks them at the end).
  const charged = { order_no: ORDER, kind: 'charge', idempotency_key: `charge:${ORDER}`, amount: 138, status: 'succeeded', created_at: at('2025-11-26T06:02:00Z') };
  await h.db('sandbox_payment_operations').insert(charged);
  await h.db('payments').insert({ ...charged, currency: 'CNY', provider_ref: 'sbx_ch_1', updated_at: charged.created_at });
  await h.db('sandbox_carrier_bookings').insert({ carrier: 'SF', idempotency_key: `SHP-${ORDER}-1`, waybill_no: WAYBILL, order_no: ORDER, status: 'booked', created_at: at('2025-11-26T07:10:00Z') });
  const events: Array<[string, string, Record<string, unknown>]> = [
    ['2025-11-26T06:00:00Z', 'status', { status: 'received' }],
    ['2025-11-26T06:02:00Z', 'status', { status: 'paid' }],
    ['2025-11-26T07:05:00Z', 'status', { status: 'packed' }],
    ['2025-11-26T07:10:00Z', 'status', { status: 'booked', shipments: [{ id: `SHP-${ORDER}-1`, carrier: 'SF', trackingNo: WAYBILL }] }],
    ['2025-11-26T08:00:00Z', 'status', { status: 'shipped' }],
  ];
  for (const [i, [when, type, data]] of events.entries()) {
    await h.db('order_events').insert({ order_no: ORDER, at: at(when), type, detail: String(data.status), data_json: JSON.stringify(data), dedupe_key: `${ORDER}:${i}` });
  }
  await h.db('shipments').insert({
    id: `SHP-${ORDER}-1`,
    order_no: ORDER,
    parcel_index: 1,
    status: 'shipped',
    carrier: 'SF',
    tracking_no: WAYBILL,
    weight_grams: 300,
    volume_cm3: 1000,
    items_json: '[]',
    shipped_at: at('2025-11-26T08:00:00Z'),
    kind: 'outbound',
    tracking_status: 'in_transit',
    delayed: false,
    created_at: at('2025-11-26T07:05:00Z'),
  });
  await h.db('tracking_events').insert({
    shipment_id: `SHP-${ORDER}-1`,
    carrier: 'SF',
    event_id: `${WAYBILL}-1`,
    status: 'in_transit',
    raw_status: '在途',
    description: '快件已到达广州转运中心',
    location: '广州',
    occurred_at: at('2025-11-27T01:30:00Z'),
    raw_json: '{}',
    received_via: 'webhook',
    created_at: at('2025-11-27T01:31:00Z'),
  });
  await h.db('notifications').insert({
    order_no: ORDER,
    kind: 'shipped',
    channel: 'sms',
    recipient: PHONE,
    lang: 'zh',
    subject: 's',
    body: 'b',
    dedupe_key: `${ORDER}:shipped`,
    status: 'sent',
    created_at: at('2025-11-26T08:00:00Z'),
    sent_at: at('2025-11-26T08:01:00Z'),
  });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

describe('search', () => {
  test.each([
    ['order number', () => ORDER],
    ['order number in lower case', () => ORDER.toLowerCase()],
    ['phone', () => PHONE],
    ['phone typed with spaces', () => `${PHONE.slice(0, 3)} ${PHONE.slice(3, 7)} ${PHONE.slice(7)}`],
    ['phone with +86', () => `+86${PHONE}`],
    ['waybill number', () => WAYBILL],
  ])('by %s', async (_what, q) => {
    const res = await staff.agent.get(`/service?q=${encodeURIComponent(q())}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`href="/service/orders/${ORDER}"`);
  });

  test('no match, a partial number matches nothing, a bad query is refused without echo', async () => {
    const none = await staff.agent.get('/service?q=NOPE-404').set('Accept-Language', 'en');
    expect(none.status).toBe(200);
    expect(none.text).toContain('No order matches');
    const partial = await staff.agent.get(`/service?q=${PHONE.slice(0, 7)}`);
    expect(partial.text).not.toContain(ORDER);
    const bad = await staff.agent.get(`/service?q=${'x'.repeat(80)}`);
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain('x'.repeat(80));
    const xss = await staff.agent.get(`/service?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(xss.text).not.toContain('<script>alert(1)');
  });

  test('signed out: to the sign-in page', async () => {
    const { default: request } = await import('supertest');
    const res = await request(h.app).get(`/service?q=${ORDER}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login/);
  });
});

describe('the story', () => {
  test('in Chinese (shop time, UTC+8)', async () => {
    const res = await staff.agent.get(`/service/orders/${ORDER}`).set('Accept-Language', 'zh-CN');
    expect(res.status).toBe(200);
    expect(storyOf(res.text)).toEqual([
      '11月26日 14:00 订单已收到',
      '11月26日 14:02 付款已确认',
      '11月26日 15:05 商品已打包',
      `11月26日 15:10 已向顺丰速运提交发货申请,运单号 ${WAYBILL}`,
      `11月26日 16:00 包裹已交给顺丰速运,运单号 ${WAYBILL}`,
      '11月26日 16:01 已通过短信通知客户:已发货',
      `11月27日 09:30 运单 ${WAYBILL}:运输中(广州):快件已到达广州转运中心`,
    ]);
    expect(res.text).toContain('运输中'); // the shipment table's tracking status
  });

  test('in English, by the page language or told in the other language on request', async () => {
    const en = await staff.agent.get(`/service/orders/${ORDER}`).set('Accept-Language', 'en');
    const story = storyOf(en.text);
    expect(story).toContain('26 Nov 14:02 Payment confirmed');
    expect(story).toContain(`26 Nov 16:00 Handed over to SF Express, waybill ${WAYBILL}`);
    expect(story).toContain(`27 Nov 09:30 Waybill ${WAYBILL}: in transit (广州) — 快件已到达广州转运中心`);
    // A Chinese-speaking agent reading the story to an English-speaking customer.
    const told = await staff.agent.get(`/service/orders/${ORDER}?story=en`).set('Accept-Language', 'zh-CN');
    expect(storyOf(told.text)).toEqual(story);
    expect(told.text).toContain('订单经过');
  });

  test('unknown order: 404', async () => {
    expect((await staff.agent.get('/service/orders/NO-SUCH-ORDER')).status).toBe(404);
  });
});

test('a real order through the workflow: its story tells payment, packing and the waybill', async () => {
  const phone = `136${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;
  const order = sampleOrder({ customer: { name: '赵磊', phone, email: 'zl@example.cn' } });
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'shipped', 120_000);
  const shipment = await h.db('shipments').where({ order_no: order.orderNo, kind: 'outbound' }).first();
  expect(shipment.tracking_no).toBeTruthy();

  const found = await staff.agent.get(`/service?q=${phone}`);
  expect(found.text).toContain(`href="/service/orders/${order.orderNo}"`);
  const byWaybill = await staff.agent.get(`/service?q=${encodeURIComponent(shipment.tracking_no)}`);
  expect(byWaybill.text).toContain(`href="/service/orders/${order.orderNo}"`);

  const zh = storyOf((await staff.agent.get(`/service/orders/${order.orderNo}`).set('Accept-Language', 'zh-CN')).text).join('\n');
  expect(zh).toContain('付款已确认');
  expect(zh).toContain('商品已打包');
  expect(zh).toContain(`运单号 ${shipment.tracking_no}`);
  const en = storyOf((await staff.agent.get(`/service/orders/${order.orderNo}`).set('Accept-Language', 'en')).text).join('\n');
  expect(en).toContain('Payment confirmed');
  expect(en).toContain('Packed');
  expect(en).toContain(`waybill ${shipment.tracking_no}`);
  // Internal codes stay out of the customer's story.
  expect(zh).not.toMatch(/P\d\.\d/);
  expect(en).not.toMatch(/P\d\.\d/);
});
