/** P3.5: an order's story in plain sentences, zh and en, from its rows. */
import { buildOrderStory, formatShopDateTime, formatStoryTime, StoryInput } from '../../domain/order-story';

// Times in UTC; the story shows them in shop time (UTC+8): 06:02Z → 14:02.
const input: StoryInput = {
  order: { orderNo: 'CS1', type: 'retail', status: 'shipped', createdAt: '2025-11-26T06:00:00.000Z', currency: 'CNY' },
  events: [
    { at: '2025-11-26T06:00:00.000Z', type: 'status', detail: 'received', data: { status: 'received' } },
    { at: '2025-11-26T06:01:00.000Z', type: 'status', detail: 'P1.3: waiting for payment confirmation', data: { status: 'awaiting_payment' } },
    { at: '2025-11-26T06:02:00.000Z', type: 'status', detail: 'P1.3: payment confirmed', data: { status: 'paid' } },
    { at: '2025-11-26T06:03:00.000Z', type: 'status', detail: 'P1.10: stockout (…)', data: { status: 'on_hold' } },
    { at: '2025-11-26T06:03:00.000Z', type: 'task_opened', detail: 'stockout: waiting', data: { taskId: 7, kind: 'stockout' } },
    { at: '2025-11-26T07:00:00.000Z', type: 'decision', detail: 'stockout: ship_available_now', data: { taskId: 7, kind: 'stockout', decision: 'ship_available_now', decidedBy: '李娜', status: 'decided' } },
    { at: '2025-11-26T07:01:00.000Z', type: 'line_split', detail: 'line 1 split', data: {} },
    { at: '2025-11-26T07:05:00.000Z', type: 'status', detail: 'P1.5/P1.8: 2 parcel(s): #1 …', data: { status: 'packed' } },
    { at: '2025-11-26T07:10:00.000Z', type: 'status', detail: 'P2.3: booked SF SF100', data: { status: 'booked', shipments: [{ id: 'S1', carrier: 'SF', trackingNo: 'SF100' }] } },
    { at: '2025-11-26T08:00:00.000Z', type: 'status', detail: 'P2.2: shipped (SF SF100)', data: { status: 'shipped' } },
  ],
  shipments: [
    { id: 'S1', parcelIndex: 1, kind: 'outbound', carrier: 'SF', trackingNo: 'SF100', status: 'shipped', shippedAt: '2025-11-26T08:00:00.000Z', deliveredAt: '2025-11-28T02:00:00.000Z', promisedAt: '2025-11-27T10:00:00.000Z', delayed: true },
  ],
  trackingEvents: [
    { shipmentId: 'S1', status: 'in_transit', occurredAt: '2025-11-26T12:00:00.000Z', description: '快件已到达上海转运中心', location: '上海' },
    { shipmentId: 'S1', status: 'delivered', occurredAt: '2025-11-28T02:00:00.000Z', description: null, location: null },
  ],
  tasks: [{ id: 7, kind: 'stockout', status: 'decided', createdAt: '2025-11-26T06:03:00.000Z', decidedAt: '2025-11-26T07:00:00.000Z', decision: 'ship_available_now', decidedBy: '李娜', note: '客户同意' }],
  returns: [
    {
      rmaNo: 'RMA-1',
      source: 'customer',
      reason: '不喜欢',
      status: 'closed',
      createdAt: '2025-11-29T01:00:00.000Z',
      receivedAt: '2025-12-01T01:00:00.000Z',
      closedAt: '2025-12-01T03:00:00.000Z',
      refundAmount: 69,
      carrier: 'SF',
      returnWaybill: 'SF900',
      lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 1, outcome: 'restocked' }],
    },
  ],
  notifications: [
    { kind: 'shipped', channel: 'sms', status: 'sent', createdAt: '2025-11-26T08:00:00.000Z', sentAt: '2025-11-26T08:00:30.000Z' },
    { kind: 'delayed', channel: 'email', status: 'failed', createdAt: '2025-11-27T10:05:00.000Z', sentAt: null },
    { kind: 'delivered', channel: 'sms', status: 'pending', createdAt: '2025-11-28T02:01:00.000Z', sentAt: null },
  ],
  payments: [
    { kind: 'charge', status: 'succeeded', amount: 138, currency: 'CNY', createdAt: '2025-11-26T06:01:00.000Z', updatedAt: '2025-11-26T06:02:00.000Z', reason: null },
    { kind: 'refund', status: 'succeeded', amount: 69, currency: 'CNY', createdAt: '2025-12-01T03:00:00.000Z', updatedAt: '2025-12-01T03:00:00.000Z', reason: 'return' },
  ],
};

const lines = (lang: 'zh' | 'en') => buildOrderStory(input, lang).map((e) => `${e.time} ${e.text}`);

test('times in shop time, in each language', () => {
  expect(formatStoryTime('2025-11-26T06:02:00.000Z', 'zh')).toBe('11月26日 14:02');
  expect(formatStoryTime('2025-11-26T06:02:00.000Z', 'en')).toBe('26 Nov 14:02');
  // 16:30Z is already the next day in Shanghai.
  expect(formatStoryTime('2025-12-31T16:30:00.000Z', 'en')).toBe('1 Jan 00:30');
  expect(formatShopDateTime('2025-12-31T16:30:00.000Z')).toBe('2026-01-01 00:30');
});

test('the whole story in Chinese, in time order', () => {
  expect(lines('zh')).toEqual([
    '11月26日 14:00 订单已收到',
    '11月26日 14:01 等待付款确认',
    '11月26日 14:02 付款已确认',
    '11月26日 14:03 等待人工决定:缺货',
    '11月26日 15:00 李娜 已决定(缺货):先发有货的部分,其余转为预订,补货后作为第二个包裹发出。(备注:客户同意)',
    '11月26日 15:05 商品已打包,共 2 个包裹',
    '11月26日 15:10 已向顺丰速运提交发货申请,运单号 SF100',
    '11月26日 16:00 包裹已交给顺丰速运,运单号 SF100',
    '11月26日 16:00 已通过短信通知客户:已发货',
    '11月26日 20:00 运单 SF100:运输中(上海):快件已到达上海转运中心',
    '11月27日 18:00 运单 SF100 已延误(物流承诺 11月27日 18:00 前送达)',
    '11月27日 18:05 通过邮件通知客户失败:包裹延误',
    '11月28日 10:00 运单 SF100:已签收',
    '11月29日 09:00 客户申请退货(退货单 RMA-1):不喜欢,退货运单号 顺丰速运 SF900',
    '12月1日 09:00 退货已收到(退货单 RMA-1)',
    '12月1日 11:00 已退款 69.00 元',
    '12月1日 11:00 退货检查结果:BB-MOLLY-SPACE × 1 重新入库',
    '12月1日 11:00 退货处理完毕(退货单 RMA-1),退款 69.00 元',
  ]);
});

test('the same story in English', () => {
  const en = lines('en');
  expect(en).toEqual(
    expect.arrayContaining([
      '26 Nov 14:02 Payment confirmed',
      '26 Nov 14:03 Waiting for a decision: out of stock',
      '26 Nov 15:00 李娜 decided (out of stock): Ship what is in stock now; the rest is back-ordered and ships as a second parcel. (note: 客户同意)',
      '26 Nov 15:05 Packed into 2 parcels',
      '26 Nov 15:10 Booked with SF Express, waybill SF100',
      '26 Nov 16:00 Handed over to SF Express, waybill SF100',
      '26 Nov 20:00 Waybill SF100: in transit (上海) — 快件已到达上海转运中心',
      '28 Nov 10:00 Waybill SF100: delivered',
      '1 Dec 11:00 Refunded CNY 69.00',
    ]),
  );
  expect(en).toHaveLength(18);
});

test('a task the tasks table does not hold is told from the timeline; unknown events in their own words', () => {
  const story = buildOrderStory(
    {
      ...input,
      tasks: [],
      shipments: [],
      trackingEvents: [],
      returns: [],
      notifications: [],
      payments: [],
      events: [
        { at: '2025-11-26T06:03:00.000Z', type: 'task_opened', detail: '', data: { taskId: 9, kind: 'sla_at_risk' } },
        { at: '2025-11-26T08:03:00.000Z', type: 'decision', detail: '', data: { taskId: 9, kind: 'sla_at_risk', decision: 'acknowledge', decidedBy: 'system', status: 'expired' } },
        { at: '2025-11-26T09:00:00.000Z', type: 'status', detail: 'cancelled', data: { status: 'cancelled' } },
        { at: '2025-11-26T09:00:00.000Z', type: 'cancellation', detail: 'customer changed their mind', data: null },
        { at: '2025-11-26T09:00:00.000Z', type: 'refund', detail: 'refunded 138.00 CNY', data: null },
        { at: '2025-11-26T10:00:00.000Z', type: 'brand_new_event', detail: 'something new happened', data: null },
      ],
    },
    'en',
  ).map((e) => e.text);
  expect(story).toEqual([
    'Waiting for a decision: close to the ship-by deadline',
    'No one decided in time; the default applied (close to the ship-by deadline): Noted; the order continues as planned.',
    'Order cancelled',
    'Reason for cancelling: customer changed their mind',
    'Refund issued',
    'something new happened',
  ]);
});

test('after hand-over (P3.2–P3.4): delays, a new booking, delivery and returns in plain words, without the codes', () => {
  const story = buildOrderStory(
    {
      ...input,
      tasks: [{ id: 11, kind: 'delivery_exception', status: 'decided', createdAt: '2025-11-27T02:00:00.000Z', decidedAt: '2025-11-27T03:00:00.000Z', decision: 'correct_and_resubmit', decidedBy: '王芳', note: null }],
      shipments: [
        { id: 'S1', parcelIndex: 1, kind: 'outbound', carrier: 'YTO', trackingNo: 'YT1', status: 'replaced', shippedAt: '2025-11-26T08:00:00.000Z', deliveredAt: null, promisedAt: '2025-11-27T00:00:00.000Z', delayed: true },
        { id: 'S2', parcelIndex: 2, kind: 'outbound', carrier: 'YTO', trackingNo: 'YT2', status: 'delivered', shippedAt: '2025-11-27T03:00:00.000Z', deliveredAt: '2025-11-28T03:00:00.000Z', promisedAt: null, delayed: false },
      ],
      trackingEvents: [],
      returns: [],
      notifications: [],
      payments: [],
      events: [
        { at: '2025-11-27T01:00:00.000Z', type: 'delivery_delayed', detail: 'P3.2: YTO YT1 is late: no scan for 48 h', data: null },
        { at: '2025-11-27T03:00:00.000Z', type: 'shipment_rebooked', detail: 'P3.2: YT1 replaced by YTO YT2 (address corrected)', data: null },
        { at: '2025-11-27T03:00:01.000Z', type: 'shipment_replaced', detail: 'P3.2: replaced', data: { shipmentId: 'S1', trackingNo: 'YT1' } },
        { at: '2025-11-28T03:00:00.000Z', type: 'shipment_delivered', detail: 'P3.1: YTO YT2 delivered', data: { shipmentId: 'S2', trackingNo: 'YT2' } },
        { at: '2025-11-29T03:00:00.000Z', type: 'return', detail: 'P3.4: return RMA-9 label issued (YTO YT9)', data: null },
      ],
    },
    'zh',
  ).map((e) => `${e.time} ${e.text}`);
  expect(story).toEqual([
    '11月27日 09:00 运单 YT1 延误,正在与物流公司跟进',
    '11月27日 10:00 等待人工决定:派送异常',
    '11月27日 11:00 已重新提交发货申请:圆通速递,新运单号 YT2',
    '11月27日 11:00 王芳 已决定(派送异常):更正地址或信息后重新提交发货申请,原运单作废。',
    '11月27日 11:00 运单 YT1 已作废,改用新运单',
    '11月28日 11:00 运单 YT2:已签收',
    '11月29日 11:00 退货处理中',
  ]);
  expect(story.join('\n')).not.toMatch(/P\d\.\d/);
});
