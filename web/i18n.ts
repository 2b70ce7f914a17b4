import type { Request } from 'express';

/** The staff speak Chinese (zh-CN); English for everyone else. Chosen from the browser, with a switch. */
export type Lang = 'zh' | 'en';
export const LANGS: Lang[] = ['zh', 'en'];

const MESSAGES = {
  'app.name': { zh: 'BoxFlow 发货中心', en: 'BoxFlow Fulfillment' },
  'nav.orders': { zh: '订单', en: 'Orders' },
  'nav.catalog': { zh: '商品与库存', en: 'Catalog & stock' },
  'lang.switch': { zh: 'English', en: '中文' },
  'orders.title': { zh: '订单列表', en: 'Orders' },
  'orders.empty': { zh: '暂无订单。', en: 'No orders yet.' },
  'orders.filter.status': { zh: '状态', en: 'Status' },
  'orders.filter.all': { zh: '全部', en: 'All' },
  'orders.filter.apply': { zh: '筛选', en: 'Filter' },
  'orders.page': { zh: '第 {page} 页,共 {pages} 页({total} 个订单)', en: 'Page {page} of {pages} ({total} orders)' },
  'orders.prev': { zh: '上一页', en: 'Previous' },
  'orders.next': { zh: '下一页', en: 'Next' },
  'col.orderNo': { zh: '订单编号', en: 'Order no.' },
  'col.type': { zh: '类型', en: 'Type' },
  'col.status': { zh: '状态', en: 'Status' },
  'col.customer': { zh: '客户', en: 'Customer' },
  'col.destination': { zh: '目的地', en: 'Destination' },
  'col.total': { zh: '金额', en: 'Total' },
  'col.created': { zh: '下单时间', en: 'Ordered' },
  'col.sku': { zh: 'SKU', en: 'SKU' },
  'col.name': { zh: '商品', en: 'Product' },
  'col.quantity': { zh: '数量', en: 'Qty' },
  'col.unitPrice': { zh: '单价', en: 'Unit price' },
  'col.lineStatus': { zh: '行状态', en: 'Line status' },
  'col.carrier': { zh: '物流公司', en: 'Carrier' },
  'col.trackingNo': { zh: '运单号', en: 'Waybill no.' },
  'col.packaging': { zh: '包装', en: 'Packaging' },
  'col.weight': { zh: '重量', en: 'Weight' },
  'col.at': { zh: '时间', en: 'Time' },
  'col.event': { zh: '事件', en: 'Event' },
  'col.onHand': { zh: '在库', en: 'On hand' },
  'col.reserved': { zh: '已预留', en: 'Reserved' },
  'col.available': { zh: '可用', en: 'Available' },
  'col.fragile': { zh: '易碎', en: 'Fragile' },
  'order.title': { zh: '订单 {orderNo}', en: 'Order {orderNo}' },
  'order.lines': { zh: '商品明细', en: 'Lines' },
  'order.shipments': { zh: '包裹与运单', en: 'Shipments' },
  'order.noShipments': { zh: '尚未打包。', en: 'Not packed yet.' },
  'order.timeline': { zh: '时间线', en: 'Timeline' },
  'order.shipTo': { zh: '收货地址', en: 'Ship to' },
  'order.back': { zh: '返回订单列表', en: 'Back to orders' },
  'catalog.title': { zh: '商品与库存', en: 'Catalog and stock' },
  'yes': { zh: '是', en: 'yes' },
  'no': { zh: '否', en: 'no' },
  'type.retail': { zh: '零售', en: 'Retail' },
  'type.group_buy': { zh: '团购', en: 'Group buy' },
  'status.received': { zh: '已接收', en: 'Received' },
  'status.validated': { zh: '已确认', en: 'Validated' },
  'status.awaiting_payment': { zh: '待支付', en: 'Awaiting payment' },
  'status.paid': { zh: '已支付', en: 'Paid' },
  'status.reserving': { zh: '预留库存中', en: 'Reserving stock' },
  'status.back_ordered': { zh: '缺货待补', en: 'Back-ordered' },
  'status.on_hold': { zh: '待处理', en: 'On hold' },
  'status.picking': { zh: '分拣中', en: 'Picking' },
  'status.packed': { zh: '已打包', en: 'Packed' },
  'status.labelled': { zh: '已贴标', en: 'Labelled' },
  'status.booked': { zh: '已提交发货申请', en: 'Booked with carrier' },
  'status.partially_shipped': { zh: '部分发货', en: 'Partially shipped' },
  'status.shipped': { zh: '已发货', en: 'Shipped' },
  'status.delivered': { zh: '已送达', en: 'Delivered' },
  'status.returned': { zh: '已退货', en: 'Returned' },
  'status.cancelled': { zh: '已取消', en: 'Cancelled' },
  'status.failed': { zh: '失败', en: 'Failed' },
  'order.tasks': { zh: '人工决策', en: 'Decisions' },
  'order.noTasks': { zh: '无需人工处理。', en: 'No decision was needed.' },
  'task.kind': { zh: '类型', en: 'Kind' },
  'task.options': { zh: '选项', en: 'Options' },
  'task.default': { zh: '默认', en: 'Default' },
  'task.deadline': { zh: '截止', en: 'Deadline' },
  'task.decision': { zh: '决定', en: 'Decision' },
  'task.decidedBy': { zh: '处理人', en: 'Decided by' },
  'task.note': { zh: '原因', en: 'Why' },
  'event.status': { zh: '状态', en: 'Status' },
  'event.task_opened': { zh: '待人工决策', en: 'Waiting for a decision' },
  'event.decision': { zh: '已决策', en: 'Decision' },
  'event.cancellation': { zh: '取消', en: 'Cancellation' },
  'event.inspection': { zh: '商品检查', en: 'Inspection' },
  'event.line_split': { zh: '拆分订单行', en: 'Line split' },
  'event.lines_cancelled': { zh: '取消订单行', en: 'Lines cancelled' },
  'event.refund': { zh: '退款', en: 'Refund' },
  'event.customs': { zh: '报关', en: 'Customs' },
  'event.carrier_rejected': { zh: '物流拒单', en: 'Carrier rejected' },
  'event.sla_at_risk': { zh: '时效预警', en: 'SLA at risk' },
  'event.sla_breached': { zh: '超时未发货', en: 'SLA breached' },
  'event.back_order_filled': { zh: '补货到达', en: 'Restock arrived' },
  'event.group_buy_override': { zh: '团购数量确认', en: 'Group-buy override' },
  'kind.catalog_changed': { zh: '商品信息变更', en: 'Catalog changed' },
  'kind.stockout': { zh: '缺货', en: 'Stockout' },
  'kind.damaged_goods': { zh: '商品损坏', en: 'Damaged goods' },
  'kind.label_incomplete': { zh: '标签不完整', en: 'Label incomplete' },
  'kind.carrier_rejected': { zh: '物流拒单', en: 'Carrier rejected' },
  'kind.customs_hold': { zh: '海关扣留', en: 'Customs hold' },
  'kind.sla_at_risk': { zh: '24 小时发货预警', en: 'Ship-by at risk' },
  'kind.group_buy_mismatch': { zh: '团购数量不符', en: 'Group-buy mismatch' },
  'kind.payment_review': { zh: '支付待确认', en: 'Payment review' },
  'taskStatus.open': { zh: '待处理', en: 'Open' },
  'taskStatus.decided': { zh: '已决定', en: 'Decided' },
  'taskStatus.expired': { zh: '超时(已按默认处理)', en: 'Expired (default applied)' },
  'taskStatus.cancelled': { zh: '已撤销', en: 'Withdrawn' },
  'error.notFound': { zh: '找不到该页面或订单。', en: 'Page or order not found.' },
  'error.title': { zh: '出错了', en: 'Something went wrong' },
} satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof MESSAGES;

export function translate(lang: Lang, key: string, params: Record<string, string | number> = {}): string {
  const entry = (MESSAGES as Record<string, Record<Lang, string>>)[key];
  const text = entry ? entry[lang] : key;
  return text.replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? `{${p}}`));
}

/** A cookie set by the switch wins; otherwise the browser's Accept-Language; Chinese by default. */
export function pickLang(req: Request): Lang {
  const cookie = /(?:^|;\s*)lang=(zh|en)\b/.exec(req.headers.cookie ?? '');
  if (cookie) return cookie[1] as Lang;
  const accepted = req.acceptsLanguages('zh-CN', 'zh', 'en');
  if (accepted && accepted.startsWith('en')) return 'en';
  return 'zh';
}
