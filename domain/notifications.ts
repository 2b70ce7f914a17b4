/**
 * Customer messages (P3.4, P3.5): what the customer is told, in Chinese for orders shipped within
 * China and in English elsewhere.
 */
export type NotificationKind = 'shipped' | 'delayed' | 'delivered' | 'delivery_problem' | 'return_label' | 'return_received' | 'refunded' | 'reshipped' | 'sold_out';

export interface NotificationData {
  orderNo: string;
  customerName: string;
  carrier?: string;
  trackingNo?: string;
  amount?: string;
  rmaNo?: string;
  /** What sold out (SKUs), for `sold_out`. */
  items?: string;
}

type Lang = 'zh' | 'en';

const TEMPLATES: Record<NotificationKind, Record<Lang, { subject: string; body: string }>> = {
  shipped: {
    zh: { subject: '您的订单 {orderNo} 已发货', body: '{customerName},您好!订单 {orderNo} 已交由{carrier}发出,运单号 {trackingNo}。' },
    en: { subject: 'Your order {orderNo} has shipped', body: 'Hello {customerName}, order {orderNo} is on its way with {carrier}, tracking number {trackingNo}.' },
  },
  delayed: {
    zh: { subject: '订单 {orderNo} 配送延迟', body: '{customerName},您好!运单 {trackingNo} 的配送比预期慢,我们正在与{carrier}跟进,会尽快告知进展。' },
    en: { subject: 'Order {orderNo} is delayed', body: 'Hello {customerName}, parcel {trackingNo} is taking longer than expected. We are chasing {carrier} and will keep you posted.' },
  },
  delivery_problem: {
    zh: { subject: '订单 {orderNo} 配送遇到问题', body: '{customerName},您好!运单 {trackingNo} 配送遇到问题,我们正在处理,必要时会重新发货。' },
    en: { subject: 'A problem with the delivery of order {orderNo}', body: 'Hello {customerName}, the delivery of parcel {trackingNo} ran into a problem. We are on it and will reship if needed.' },
  },
  reshipped: {
    zh: { subject: '订单 {orderNo} 已重新发货', body: '{customerName},您好!我们已重新发出您的包裹,新运单号 {trackingNo}({carrier})。' },
    en: { subject: 'Order {orderNo} has been reshipped', body: 'Hello {customerName}, we sent your parcel again: new tracking number {trackingNo} ({carrier}).' },
  },
  delivered: {
    zh: { subject: '订单 {orderNo} 已签收', body: '{customerName},您好!运单 {trackingNo} 已签收。感谢您的购买!' },
    en: { subject: 'Order {orderNo} was delivered', body: 'Hello {customerName}, parcel {trackingNo} has been delivered. Thank you for your order!' },
  },
  return_label: {
    zh: { subject: '退货单 {rmaNo} 已创建', body: '{customerName},您好!退货单 {rmaNo} 已创建,请使用{carrier}退货运单 {trackingNo} 寄回商品。' },
    en: { subject: 'Return {rmaNo} opened', body: 'Hello {customerName}, return {rmaNo} is open. Please send the goods back with {carrier} using return waybill {trackingNo}.' },
  },
  return_received: {
    zh: { subject: '退货 {rmaNo} 已收到', body: '{customerName},您好!我们已收到退货 {rmaNo} 的商品,检查后将为您退款。' },
    en: { subject: 'Return {rmaNo} received', body: 'Hello {customerName}, we have received the goods of return {rmaNo}; your refund follows after inspection.' },
  },
  sold_out: {
    zh: { subject: '订单 {orderNo}:部分商品已售罄', body: '{customerName},您好!很抱歉,订单 {orderNo} 中的限量商品 {items} 已售罄,不会再补货。我们已取消该商品并为您退款 {amount}。' },
    en: { subject: 'Order {orderNo}: sold out', body: 'Hello {customerName}, we are sorry: the limited edition {items} in order {orderNo} has sold out and will not be restocked. We cancelled it and refunded {amount}.' },
  },
  refunded: {
    zh: { subject: '订单 {orderNo} 已退款', body: '{customerName},您好!我们已为订单 {orderNo} 退款 {amount}。' },
    en: { subject: 'Refund for order {orderNo}', body: 'Hello {customerName}, we have refunded {amount} for order {orderNo}.' },
  },
};

export function languageFor(country: string): Lang {
  return ['CN', 'TW', 'HK', 'MO', 'SG'].includes(country.toUpperCase()) ? 'zh' : 'en';
}

export function renderNotification(kind: NotificationKind, lang: Lang, data: NotificationData): { subject: string; body: string } {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => String((data as unknown as Record<string, unknown>)[k] ?? ''));
  const t = TEMPLATES[kind][lang];
  return { subject: fill(t.subject), body: fill(t.body) };
}
