/**
 * P3.5 客户服务 customer service: one order's whole story in plain sentences that staff can read to
 * a customer on the phone, in Chinese or English ("11月26日 14:02 付款已确认" / "26 Nov 14:02
 * Payment confirmed"). Built from the rows only (timeline, shipments, tracking events, tasks,
 * returns, notifications, payments): pure, no database, no clock.
 *
 * Times are shown in the shop's time zone (China Standard Time, UTC+8) unless told otherwise.
 * Internal steps that mean nothing to a customer are left out (a line split, the on-hold status,
 * which the task sentence that follows explains, and the SLA-at-risk note, which its task explains).
 */
import { CARRIER_NAMES } from './carriers';
import { TASK_KINDS } from './tasks';
import type { CarrierCode, TaskKind } from './types';

export type StoryLang = 'zh' | 'en';

export interface StoryInput {
  order: { orderNo: string; type: string; status: string; createdAt: string; currency: string };
  /** order_events, oldest first. */
  events: Array<{ at: string; type: string; detail: string; data?: Record<string, unknown> | null }>;
  shipments: Array<{ id: string; parcelIndex: number; kind: string; carrier: string | null; trackingNo: string | null; status: string; shippedAt: string | null; deliveredAt: string | null; promisedAt: string | null; delayed: boolean }>;
  trackingEvents: Array<{ shipmentId: string; status: string; occurredAt: string; description: string | null; location: string | null }>;
  tasks: Array<{ id: number; kind: string; status: string; createdAt: string; decidedAt: string | null; decision: string | null; decidedBy: string | null; note: string | null }>;
  returns: Array<{
    rmaNo: string;
    source: string;
    reason: string;
    status: string;
    createdAt: string;
    receivedAt: string | null;
    closedAt: string | null;
    refundAmount: number | null;
    carrier: string | null;
    returnWaybill: string | null;
    lines: Array<{ sku: string; quantity: number; outcome: string | null }>;
  }>;
  notifications: Array<{ kind: string; channel: string; status: string; createdAt: string; sentAt: string | null }>;
  payments: Array<{ kind: string; status: string; amount: number; currency: string; createdAt: string; updatedAt: string; reason: string | null }>;
}

export interface StoryEntry {
  /** UTC ISO instant, for sorting and for a <time datetime>. */
  at: string;
  /** The instant in the shop's time zone, in the language: "11月26日 14:02" / "26 Nov 14:02". */
  time: string;
  text: string;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

export function formatStoryTime(iso: string, lang: StoryLang, utcOffsetMinutes = 8 * 60): string {
  const d = new Date(Date.parse(iso) + utcOffsetMinutes * 60_000);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return lang === 'zh' ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${hm}` : `${d.getUTCDate()} ${MONTHS_EN[d.getUTCMonth()]} ${hm}`;
}

/** "2025-11-26 14:02" in the shop's time zone, for lists. */
export function formatShopDateTime(iso: string, utcOffsetMinutes = 8 * 60): string {
  return new Date(Date.parse(iso) + utcOffsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

type Bi = { zh: string; en: string };
const fill = (text: string, params: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

const STATUS: Record<string, Bi> = {
  received: { zh: '订单已收到', en: 'Order received' },
  validated: { zh: '订单信息已核对无误', en: 'Order checked against the catalog' },
  reserving: { zh: '正在为订单预留库存', en: 'Reserving stock for the order' },
  awaiting_payment: { zh: '等待付款确认', en: 'Waiting for payment confirmation' },
  paid: { zh: '付款已确认', en: 'Payment confirmed' },
  back_ordered: { zh: '部分商品缺货,等待补货', en: 'Waiting for restock of the missing items' },
  picking: { zh: '仓库开始拣货', en: 'The warehouse started picking' },
  packed: { zh: '商品已打包', en: 'Packed' },
  labelled: { zh: '商品标签已打印', en: 'Product labels printed' },
  booked: { zh: '已提交发货申请', en: 'Booked with the carrier' },
  partially_shipped: { zh: '有货的商品已先发出,其余等待补货', en: 'The items in stock have shipped; the rest waits for restock' },
  shipped: { zh: '订单已发货', en: 'Order shipped' },
  delivered: { zh: '订单已送达', en: 'Order delivered' },
  returned: { zh: '订单已退货', en: 'Order returned' },
  cancelled: { zh: '订单已取消', en: 'Order cancelled' },
};

const T = {
  packedN: { zh: '商品已打包,共 {n} 个包裹', en: 'Packed into {n} parcels' },
  booked: { zh: '已向{carrier}提交发货申请,运单号 {no}', en: 'Booked with {carrier}, waybill {no}' },
  handedOver: { zh: '包裹已交给{carrier},运单号 {no}', en: 'Handed over to {carrier}, waybill {no}' },
  statusOther: { zh: '订单状态:{status}', en: 'Order status: {status}' },
  inspection: { zh: '质检发现一件商品损坏', en: 'Inspection found a damaged item' },
  linesCancelled: { zh: '缺货的商品已取消', en: 'The out-of-stock items were cancelled' },
  refundEvent: { zh: '已退款', en: 'Refund issued' },
  customs: { zh: '报关已通过', en: 'Customs declaration accepted' },
  carrierRejected: { zh: '一家物流公司拒绝承运,正在改用其他物流', en: 'A carrier turned the parcel down; trying another one' },
  slaBreached: { zh: '已超过承诺的发货时间', en: 'The promised ship-by time has passed' },
  restocked: { zh: '补货已到', en: 'Restock arrived' },
  groupBuy: { zh: '团购数量已确认,按实际分拣数量发货', en: 'Group-buy quantity confirmed; shipping as picked' },
  cancellation: { zh: '取消原因:{reason}', en: 'Reason for cancelling: {reason}' },
  taskOpened: { zh: '等待人工决定:{kind}', en: 'Waiting for a decision: {kind}' },
  taskDecided: { zh: '{by} 已决定({kind}):{choice}', en: '{by} decided ({kind}): {choice}' },
  taskExpired: { zh: '无人及时处理,已按默认方案处理({kind}):{choice}', en: 'No one decided in time; the default applied ({kind}): {choice}' },
  taskCancelled: { zh: '不再需要决定:{kind}', en: 'No longer needed: {kind}' },
  note: { zh: '(备注:{note})', en: ' (note: {note})' },
  chargeFailed: { zh: '付款失败', en: 'Payment failed' },
  refunded: { zh: '已退款 {amount}', en: 'Refunded {amount}' },
  tracking: { zh: '运单 {no}:{status}', en: 'Waybill {no}: {status}' },
  returnParcel: { zh: '退货', en: 'return ' },
  delivered: { zh: '运单 {no}:已签收', en: 'Waybill {no}: delivered' },
  delayed: { zh: '运单 {no} 已延误(物流承诺 {promised} 前送达)', en: 'Waybill {no} is late (the carrier promised delivery by {promised})' },
  returnRequested: { zh: '客户申请退货(退货单 {rma}):{reason}', en: 'The customer asked to return items (RMA {rma}): {reason}' },
  returnToSender: { zh: '包裹被退回(退货单 {rma}):{reason}', en: 'The parcel is coming back to us (RMA {rma}): {reason}' },
  returnWaybill: { zh: ',退货运单号 {no}', en: ', return waybill {no}' },
  returnReceived: { zh: '退货已收到(退货单 {rma})', en: 'Returned goods received (RMA {rma})' },
  returnOutcome: { zh: '退货检查结果:{items}', en: 'Returned goods checked: {items}' },
  returnClosed: { zh: '退货处理完毕(退货单 {rma})', en: 'Return closed (RMA {rma})' },
  returnClosedRefund: { zh: '退货处理完毕(退货单 {rma}),退款 {amount}', en: 'Return closed (RMA {rma}), refunded {amount}' },
  deliveryDelayed: { zh: '运单 {no} 延误,正在与物流公司跟进', en: 'Waybill {no} is late; we are following it up with the carrier' },
  shipmentReturned: { zh: '运单 {no} 的包裹正被退回', en: 'The parcel with waybill {no} is being sent back to us' },
  shipmentLost: { zh: '运单 {no} 的包裹已丢失', en: 'The parcel with waybill {no} was lost' },
  shipmentExpired: { zh: '运单 {no} 长时间没有物流更新,已停止跟踪', en: 'No news of waybill {no} for too long; tracking stopped' },
  shipmentReplaced: { zh: '运单 {no} 已作废,改用新运单', en: 'Waybill {no} was cancelled and replaced by a new one' },
  shipmentRefunded: { zh: '运单 {no} 的商品已退款,停止跟踪', en: 'The items of waybill {no} were refunded; tracking stopped' },
  rebooked: { zh: '已重新提交发货申请:{carrier},新运单号 {no}', en: 'Shipped again with {carrier}, new waybill {no}' },
  rebookedPlain: { zh: '已重新提交发货申请', en: 'A new shipping application was submitted' },
  returnInProgress: { zh: '退货处理中', en: 'Return in progress' },
  restockedItem: { zh: '{sku} × {q} 重新入库', en: '{sku} × {q} restocked' },
  writtenOffItem: { zh: '{sku} × {q} 报废', en: '{sku} × {q} written off' },
  notified: { zh: '已通过{channel}通知客户:{kind}', en: 'Customer told by {channel}: {kind}' },
  notifyFailed: { zh: '通过{channel}通知客户失败:{kind}', en: 'Could not tell the customer by {channel}: {kind}' },
} satisfies Record<string, Bi>;

const KIND_NAMES: Record<string, Bi> = {
  catalog_changed: { zh: '商品信息有变', en: 'the catalog changed' },
  stockout: { zh: '缺货', en: 'out of stock' },
  damaged_goods: { zh: '商品损坏', en: 'damaged goods' },
  label_incomplete: { zh: '标签信息不全', en: 'incomplete label' },
  carrier_rejected: { zh: '物流拒单', en: 'carrier refused the parcel' },
  customs_hold: { zh: '海关扣留', en: 'held by customs' },
  sla_at_risk: { zh: '临近发货时限', en: 'close to the ship-by deadline' },
  group_buy_mismatch: { zh: '团购数量不符', en: 'group-buy quantity mismatch' },
  payment_review: { zh: '付款待确认', en: 'payment to be checked' },
  delivery_delayed: { zh: '包裹延误', en: 'parcel late' },
  delivery_exception: { zh: '派送异常', en: 'delivery problem' },
  step_failed: { zh: '步骤反复失败', en: 'a step kept failing' },
  pick_overdue: { zh: '拣货超时', en: 'not picked in time' },
  pack_overdue: { zh: '打包超时', en: 'not packed in time' },
  handover_missed: { zh: '未赶上揽收', en: 'missed the courier pickup' },
  back_order_overdue: { zh: '补货等待超时', en: 'restock took too long' },
};

const TRACKING: Record<string, Bi> = {
  info_received: { zh: '物流已收到包裹信息', en: 'the carrier has the parcel details' },
  picked_up: { zh: '已揽收', en: 'picked up' },
  in_transit: { zh: '运输中', en: 'in transit' },
  out_for_delivery: { zh: '派送中', en: 'out for delivery' },
  attempt_failed: { zh: '派送未成功', en: 'delivery attempt failed' },
  available_for_pickup: { zh: '已到自提点,待取件', en: 'waiting at a pickup point' },
  expired: { zh: '长时间无物流更新', en: 'no news from the carrier for too long' },
  delivered: { zh: '已签收', en: 'delivered' },
  exception: { zh: '运输异常', en: 'a problem on the way' },
  delayed: { zh: '运输延误', en: 'delayed' },
  returned_to_sender: { zh: '退回寄件人', en: 'returning to sender' },
  return_to_sender: { zh: '退回寄件人', en: 'returning to sender' },
  customs: { zh: '清关中', en: 'in customs' },
};

const CHANNELS: Record<string, Bi> = { sms: { zh: '短信', en: 'text message' }, email: { zh: '邮件', en: 'e-mail' } };

const NOTIFICATION_KINDS: Record<string, Bi> = {
  shipped: { zh: '已发货', en: 'shipped' },
  delayed: { zh: '包裹延误', en: 'parcel delayed' },
  delivered: { zh: '已送达', en: 'delivered' },
  return_received: { zh: '退货已收到', en: 'return received' },
  refunded: { zh: '已退款', en: 'refunded' },
  cancelled: { zh: '订单已取消', en: 'order cancelled' },
  return_label: { zh: '退货面单已发送', en: 'return label' },
  delivery_problem: { zh: '派送遇到问题', en: 'a delivery problem' },
  reshipped: { zh: '已重新发货', en: 'sent again' },
};

/** A normalized tracking status (domain/tracking.ts) in plain words. */
export function trackingStatusLabel(status: string, lang: StoryLang): string {
  return TRACKING[status]?.[lang] ?? status;
}

export function carrierName(code: string | null | undefined, lang: StoryLang): string {
  if (!code) return lang === 'zh' ? '物流公司' : 'the carrier';
  return CARRIER_NAMES[code as CarrierCode]?.[lang] ?? code;
}

function money(amount: number, currency: string, lang: StoryLang): string {
  const a = amount.toFixed(2);
  if (currency === 'CNY') return lang === 'zh' ? `${a} 元` : `CNY ${a}`;
  return `${a} ${currency}`;
}

/** What a task's option means, in plain words (domain/tasks.ts), else the option's code. */
function choice(kind: string, decision: string | null, lang: StoryLang): string {
  if (!decision) return '';
  return TASK_KINDS[kind as TaskKind]?.explain[decision]?.[lang] ?? decision;
}

export function buildOrderStory(input: StoryInput, lang: StoryLang, utcOffsetMinutes = 8 * 60): StoryEntry[] {
  const out: Array<{ at: string; text: string; seq: number }> = [];
  const say = (at: string | null | undefined, text: string) => {
    if (at) out.push({ at, text, seq: out.length });
  };
  const tr = (m: Bi, params: Record<string, string | number> = {}) => fill(m[lang], params);
  const kindName = (kind: string) => KIND_NAMES[kind]?.[lang] ?? kind;
  const sep = lang === 'zh' ? '、' : ', ';

  const outbound = input.shipments.filter((s) => s.kind !== 'return');
  const waybills = (list: Array<{ carrier?: unknown; trackingNo?: unknown }>, m: Bi) => {
    const known = list.filter((s) => typeof s.trackingNo === 'string' && s.trackingNo);
    if (!known.length) return undefined;
    // One sentence per carrier: "顺丰速运,运单号 SF1、SF2".
    const byCarrier = new Map<string, string[]>();
    for (const s of known) {
      const c = typeof s.carrier === 'string' ? s.carrier : '';
      byCarrier.set(c, [...(byCarrier.get(c) ?? []), s.trackingNo as string]);
    }
    return [...byCarrier.entries()].map(([c, nos]) => tr(m, { carrier: carrierName(c, lang), no: nos.join(sep) })).join(lang === 'zh' ? ';' : '; ');
  };
  const taskIds = new Set(input.tasks.map((t) => t.id));
  const deliveredScan = new Set(input.trackingEvents.filter((e) => e.status === 'delivered').map((e) => e.shipmentId));
  const deliveredEvent = new Set(input.events.filter((e) => e.type === 'shipment_delivered').map((e) => String(e.data?.shipmentId ?? '')));
  const delayEvents = input.events.some((e) => e.type === 'delivery_delayed');
  const hasRefundRows = input.payments.some((p) => p.kind === 'refund');

  for (const e of input.events) {
    const data = e.data ?? {};
    switch (e.type) {
      case 'status': {
        const status = String(data.status ?? e.detail);
        if (status === 'on_hold') break;
        if (status === 'packed') {
          const n = /(\d+) parcel/.exec(e.detail);
          say(e.at, n && Number(n[1]) > 1 ? tr(T.packedN, { n: Number(n[1]) }) : tr(STATUS.packed));
        } else if (status === 'booked') {
          const list = Array.isArray(data.shipments) ? (data.shipments as Array<{ carrier?: unknown; trackingNo?: unknown }>) : [];
          say(e.at, waybills(list, T.booked) ?? tr(STATUS.booked));
        } else if (status === 'shipped' || status === 'partially_shipped') {
          // The parcels handed over by then (a later back-ordered parcel has its own hand-over).
          const handed = outbound.filter((s) => s.shippedAt && Date.parse(s.shippedAt) <= Date.parse(e.at) + 60_000);
          const text = waybills(handed, T.handedOver);
          say(e.at, status === 'partially_shipped' ? `${tr(STATUS.partially_shipped)}${text ? (lang === 'zh' ? `;${text}` : `; ${text}`) : ''}` : text ?? tr(STATUS.shipped));
        } else {
          say(e.at, STATUS[status] ? tr(STATUS[status]) : tr(T.statusOther, { status }));
        }
        break;
      }
      case 'task_opened':
      case 'decision': {
        // The tasks table tells the same with more (who, when); the event only stands in for a task row that is missing.
        const id = Number(data.taskId);
        if (taskIds.has(id)) break;
        const kind = String(data.kind ?? '');
        if (e.type === 'task_opened') say(e.at, tr(T.taskOpened, { kind: kindName(kind) }));
        else {
          const expired = data.status === 'expired';
          say(e.at, tr(expired ? T.taskExpired : T.taskDecided, { by: String(data.decidedBy ?? ''), kind: kindName(kind), choice: choice(kind, String(data.decision ?? ''), lang) }));
        }
        break;
      }
      case 'inspection':
        say(e.at, tr(T.inspection));
        break;
      case 'lines_cancelled':
        say(e.at, tr(T.linesCancelled));
        break;
      case 'refund':
        if (!hasRefundRows) say(e.at, tr(T.refundEvent));
        break;
      case 'customs':
        say(e.at, tr(T.customs));
        break;
      case 'carrier_rejected':
        say(e.at, tr(T.carrierRejected));
        break;
      case 'sla_breached':
        say(e.at, tr(T.slaBreached));
        break;
      case 'back_order_filled':
        say(e.at, tr(T.restocked));
        break;
      case 'group_buy_override':
        say(e.at, tr(T.groupBuy));
        break;
      case 'cancellation':
        say(e.at, tr(T.cancellation, { reason: e.detail }));
        break;
      case 'delivery_delayed': {
        const no = /: \S+ (\S+) is late/.exec(e.detail)?.[1] ?? '';
        say(e.at, tr(T.deliveryDelayed, { no }));
        break;
      }
      case 'shipment_delivered': {
        const id = String(data.shipmentId ?? '');
        // The carrier's own delivered scan says it already (with place and time).
        if (!deliveredScan.has(id)) say(e.at, tr(T.delivered, { no: String(data.trackingNo ?? id) }));
        break;
      }
      case 'shipment_returned_to_sender':
      case 'shipment_lost':
      case 'shipment_expired':
      case 'shipment_replaced':
      case 'shipment_refunded': {
        const m = { shipment_returned_to_sender: T.shipmentReturned, shipment_lost: T.shipmentLost, shipment_expired: T.shipmentExpired, shipment_replaced: T.shipmentReplaced, shipment_refunded: T.shipmentRefunded }[e.type]!;
        say(e.at, tr(m, { no: String(data.trackingNo ?? data.shipmentId ?? '') }));
        break;
      }
      case 'shipment_rebooked': {
        const m = /replaced by (\S+) (\S+)/.exec(e.detail);
        say(e.at, m ? tr(T.rebooked, { carrier: carrierName(m[1], lang), no: m[2] }) : tr(T.rebookedPlain));
        break;
      }
      case 'return':
        // The returns rows tell each step in full; the timeline event only stands in without them.
        if (!input.returns.length) say(e.at, tr(T.returnInProgress));
        break;
      case 'line_split':
      case 'sla_at_risk':
        break;
      default:
        // A kind of event this page does not know yet: its own words, rather than nothing.
        say(e.at, e.detail);
    }
  }

  for (const t of input.tasks) {
    const kind = kindName(t.kind);
    say(t.createdAt, tr(T.taskOpened, { kind }));
    const note = t.note && t.status !== 'cancelled' ? tr(T.note, { note: t.note }) : '';
    if (t.status === 'decided') say(t.decidedAt, tr(T.taskDecided, { by: t.decidedBy ?? '', kind, choice: choice(t.kind, t.decision, lang) }) + note);
    else if (t.status === 'expired') say(t.decidedAt, tr(T.taskExpired, { kind, choice: choice(t.kind, t.decision, lang) }));
    else if (t.status === 'cancelled') say(t.decidedAt, tr(T.taskCancelled, { kind }));
  }

  for (const p of input.payments) {
    if (p.kind === 'charge' && p.status === 'failed') say(p.updatedAt, tr(T.chargeFailed) + (p.reason ? (lang === 'zh' ? `:${p.reason}` : `: ${p.reason}`) : ''));
    if (p.kind === 'refund' && p.status === 'succeeded') say(p.updatedAt, tr(T.refunded, { amount: money(p.amount, p.currency, lang) }));
  }

  const byShipment = new Map(input.shipments.map((s) => [s.id, s]));
  for (const e of input.trackingEvents) {
    const s = byShipment.get(e.shipmentId);
    const no = `${s?.kind === 'return' ? T.returnParcel[lang] : ''}${s?.trackingNo ?? e.shipmentId}`;
    const status = TRACKING[e.status]?.[lang] ?? e.status;
    const where = e.location ? (lang === 'zh' ? `(${e.location})` : ` (${e.location})`) : '';
    const what = e.description ? (lang === 'zh' ? `:${e.description}` : ` — ${e.description}`) : '';
    say(e.occurredAt, tr(T.tracking, { no, status }) + where + what);
  }
  for (const s of input.shipments) {
    const no = `${s.kind === 'return' ? T.returnParcel[lang] : ''}${s.trackingNo ?? s.id}`;
    if (s.deliveredAt && !deliveredScan.has(s.id) && !deliveredEvent.has(s.id)) say(s.deliveredAt, tr(T.delivered, { no }));
    if (s.delayed && s.promisedAt && !delayEvents) say(s.promisedAt, tr(T.delayed, { no, promised: formatStoryTime(s.promisedAt, lang, utcOffsetMinutes) }));
  }

  for (const r of input.returns) {
    say(r.createdAt, tr(r.source === 'returned_to_sender' ? T.returnToSender : T.returnRequested, { rma: r.rmaNo, reason: r.reason }) + (r.returnWaybill ? tr(T.returnWaybill, { no: `${carrierName(r.carrier, lang)} ${r.returnWaybill}` }) : ''));
    say(r.receivedAt, tr(T.returnReceived, { rma: r.rmaNo }));
    const checked = r.lines.filter((l) => l.outcome === 'restocked' || l.outcome === 'written_off');
    if (checked.length) {
      const items = checked.map((l) => tr(l.outcome === 'restocked' ? T.restockedItem : T.writtenOffItem, { sku: l.sku, q: l.quantity })).join(sep);
      say(r.closedAt ?? r.receivedAt, tr(T.returnOutcome, { items }));
    }
    say(r.closedAt, r.refundAmount ? tr(T.returnClosedRefund, { rma: r.rmaNo, amount: money(r.refundAmount, input.order.currency, lang) }) : tr(T.returnClosed, { rma: r.rmaNo }));
  }

  for (const n of input.notifications) {
    const params = { channel: CHANNELS[n.channel]?.[lang] ?? n.channel, kind: NOTIFICATION_KINDS[n.kind]?.[lang] ?? n.kind };
    if (n.status === 'sent') say(n.sentAt ?? n.createdAt, tr(T.notified, params));
    else if (n.status === 'failed') say(n.createdAt, tr(T.notifyFailed, params));
  }

  return out
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq)
    .map(({ at, text }) => ({ at, time: formatStoryTime(at, lang, utcOffsetMinutes), text }));
}
