/**
 * P3.5 客户服务 customer service: find an order by what a customer can tell us (order number, phone
 * or waybill number), and load everything its story is told from. Read-only; query builder only.
 */
import type { StoryInput } from '../domain/order-story';
import type { Db } from './knex';
import { parseJson, toIso } from './time';

export interface ServiceMatch {
  orderNo: string;
  type: string;
  status: string;
  createdAt: string;
  customerName: string;
  customerPhone: string;
  /** How this order matched: the order number, the phone or a waybill. */
  matchedBy: Array<'orderNo' | 'phone' | 'trackingNo'>;
}

const MAX_MATCHES = 50;

/** Phone numbers are typed with spaces, dashes or a +86 prefix; compare the digits. */
function phoneVariants(q: string): string[] {
  const digits = q.replace(/[\s\-()]/g, '');
  const variants = new Set([q, digits]);
  if (/^\+?86\d{11}$/.test(digits)) variants.add(digits.replace(/^\+?86/, ''));
  if (/^1\d{10}$/.test(digits)) {
    variants.add(`+86${digits}`);
    variants.add(`+86 ${digits}`);
  }
  return [...variants];
}

/**
 * Exact matches only (a customer reads the number out; a prefix search would show other people's
 * orders). The order number is matched case-insensitively, as people type it.
 */
export async function searchOrders(db: Db, q: string): Promise<ServiceMatch[]> {
  const query = q.trim();
  if (!query) return [];
  const upper = query.toUpperCase();
  const [byNo, byPhone, byTracking, byReturnWaybill] = await Promise.all([
    db('orders').select('order_no').whereIn('order_no', [...new Set([query, upper])]),
    db('orders').select('order_no').whereIn('customer_phone', phoneVariants(query)).orderBy('created_at', 'desc').limit(MAX_MATCHES),
    db('shipments').distinct('order_no').whereIn('tracking_no', [...new Set([query, upper])]).limit(MAX_MATCHES),
    db('returns').distinct('order_no').whereIn('return_waybill', [...new Set([query, upper])]).limit(MAX_MATCHES),
  ]);
  const how = new Map<string, Set<ServiceMatch['matchedBy'][number]>>();
  const add = (rows: Array<{ order_no: string }>, by: ServiceMatch['matchedBy'][number]) => {
    for (const r of rows) how.set(r.order_no, (how.get(r.order_no) ?? new Set()).add(by));
  };
  add(byNo, 'orderNo');
  add(byPhone, 'phone');
  add(byTracking, 'trackingNo');
  add(byReturnWaybill, 'trackingNo');
  if (!how.size) return [];
  const orders = await db('orders')
    .select('order_no', 'type', 'status', 'created_at', 'customer_json', 'customer_phone')
    .whereIn('order_no', [...how.keys()])
    .orderBy('created_at', 'desc')
    .limit(MAX_MATCHES);
  return orders.map((r: Record<string, any>) => ({
    orderNo: r.order_no,
    type: r.type,
    status: r.status,
    createdAt: toIso(r.created_at)!,
    customerName: String(parseJson<{ name?: unknown }>(r.customer_json)?.name ?? ''),
    customerPhone: r.customer_phone,
    matchedBy: [...how.get(r.order_no)!],
  }));
}

export interface ServiceOrder {
  orderNo: string;
  type: string;
  status: string;
  createdAt: string;
  shippedAt: string | null;
  shipBy: string | null;
  customerName: string;
  customerPhone: string;
  city: string;
  lines: Array<{ sku: string; name: string; nameZh: string | null; quantity: number; status: string }>;
  shipments: Array<{ kind: string; carrier: string | null; trackingNo: string | null; status: string; trackingStatus: string | null; delayed: boolean }>;
  story: StoryInput;
}

/** One order and every row its story is told from, or undefined. */
export async function loadServiceOrder(db: Db, orderNo: string): Promise<ServiceOrder | undefined> {
  const o = await db('orders').where({ order_no: orderNo }).first();
  if (!o) return undefined;
  const [lines, events, shipments, tasks, returns, notifications, payments] = await Promise.all([
    db('order_lines').leftJoin('catalog_items', 'catalog_items.sku', 'order_lines.sku').select('order_lines.sku as sku', 'order_lines.quantity as quantity', 'order_lines.status as status', 'catalog_items.name as name', 'catalog_items.name_zh as name_zh').where('order_lines.order_no', orderNo).orderBy('order_lines.line_no'),
    db('order_events').where({ order_no: orderNo }).orderBy([{ column: 'at' }, { column: 'id' }]),
    db('shipments').where({ order_no: orderNo }).orderBy([{ column: 'kind' }, { column: 'parcel_index' }]),
    db('tasks').where({ order_no: orderNo }).orderBy('id'),
    db('returns').where({ order_no: orderNo }).orderBy('created_at'),
    db('notifications').select('kind', 'channel', 'status', 'created_at', 'sent_at').where({ order_no: orderNo }).orderBy('id'),
    db('payments').select('kind', 'status', 'amount', 'currency', 'created_at', 'updated_at', 'reason').where({ order_no: orderNo }).orderBy('id'),
  ]);
  const shipmentIds = shipments.map((s: Record<string, any>) => s.id as string);
  const rmaNos = returns.map((r: Record<string, any>) => r.rma_no as string);
  const [tracking, returnLines] = await Promise.all([
    shipmentIds.length ? db('tracking_events').select('shipment_id', 'status', 'occurred_at', 'description', 'location').whereIn('shipment_id', shipmentIds).orderBy([{ column: 'occurred_at' }, { column: 'id' }]) : [],
    rmaNos.length ? db('return_lines').select('rma_no', 'sku', 'quantity', 'outcome').whereIn('rma_no', rmaNos).orderBy('id') : [],
  ]);
  const customer = parseJson<{ name?: string }>(o.customer_json) ?? {};
  const address = parseJson<{ city?: string }>(o.shipping_address_json) ?? {};
  return {
    orderNo: o.order_no,
    type: o.type,
    status: o.status,
    createdAt: toIso(o.created_at)!,
    shippedAt: toIso(o.shipped_at),
    shipBy: toIso(o.ship_by),
    customerName: customer.name ?? '',
    customerPhone: o.customer_phone,
    city: address.city ?? '',
    lines: lines.map((l: Record<string, any>) => ({ sku: l.sku, name: l.name ?? l.sku, nameZh: l.name_zh ?? null, quantity: Number(l.quantity), status: l.status })),
    shipments: shipments.map((s: Record<string, any>) => ({ kind: s.kind, carrier: s.carrier, trackingNo: s.tracking_no, status: s.status, trackingStatus: s.tracking_status ?? null, delayed: Boolean(s.delayed) })),
    story: {
      order: { orderNo: o.order_no, type: o.type, status: o.status, createdAt: toIso(o.created_at)!, currency: o.currency },
      events: events.map((e: Record<string, any>) => ({ at: toIso(e.at)!, type: e.type, detail: e.detail, data: e.data_json ? parseJson<Record<string, unknown>>(e.data_json) : null })),
      shipments: shipments.map((s: Record<string, any>) => ({
        id: s.id,
        parcelIndex: s.parcel_index,
        kind: s.kind,
        carrier: s.carrier,
        trackingNo: s.tracking_no,
        status: s.status,
        shippedAt: toIso(s.shipped_at),
        deliveredAt: toIso(s.delivered_at),
        promisedAt: toIso(s.promised_at),
        delayed: Boolean(s.delayed),
      })),
      trackingEvents: (tracking as Array<Record<string, any>>).map((t) => ({ shipmentId: t.shipment_id, status: t.status, occurredAt: toIso(t.occurred_at)!, description: t.description, location: t.location })),
      tasks: tasks.map((t: Record<string, any>) => ({ id: t.id, kind: t.kind, status: t.status, createdAt: toIso(t.created_at)!, decidedAt: toIso(t.decided_at), decision: t.decision, decidedBy: t.decided_by, note: t.note })),
      returns: returns.map((r: Record<string, any>) => ({
        rmaNo: r.rma_no,
        source: r.source,
        reason: r.reason,
        status: r.status,
        createdAt: toIso(r.created_at)!,
        receivedAt: toIso(r.received_at),
        closedAt: toIso(r.closed_at),
        refundAmount: r.refund_amount === null || r.refund_amount === undefined ? null : Number(r.refund_amount),
        carrier: r.carrier,
        returnWaybill: r.return_waybill,
        lines: (returnLines as Array<Record<string, any>>).filter((l) => l.rma_no === r.rma_no).map((l) => ({ sku: l.sku, quantity: Number(l.quantity), outcome: l.outcome })),
      })),
      notifications: notifications.map((n: Record<string, any>) => ({ kind: n.kind, channel: n.channel, status: n.status, createdAt: toIso(n.created_at)!, sentAt: toIso(n.sent_at) })),
      payments: payments.map((p: Record<string, any>) => ({ kind: p.kind, status: p.status, amount: Number(p.amount), currency: p.currency, createdAt: toIso(p.created_at)!, updatedAt: toIso(p.updated_at)!, reason: p.reason })),
    },
  };
}
