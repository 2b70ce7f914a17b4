import type { Db } from '../../db/knex';
import { listEvents } from '../../db/events';
import { getOrder, getOrderLines } from '../../db/orders';
import { listShipments } from '../../db/shipments';
import { getCatalogItems } from '../../db/catalog';
import { toIso } from '../../db/time';
import { listNotifications } from '../../db/notifications';
import { listReturns } from '../../db/returns';
import { listTrackingEvents } from '../../db/tracking';

/** Everything a person (or GET /api/orders/:orderNo) needs to know about one order. */
export async function loadOrderView(db: Db, orderNo: string) {
  const order = await getOrder(db, orderNo);
  if (!order) return undefined;
  const [lines, shipments, timeline, tasks] = await Promise.all([
    getOrderLines(db, orderNo),
    listShipments(db, orderNo),
    listEvents(db, orderNo),
    db('tasks').where({ order_no: orderNo }).orderBy('id'),
  ]);
  const catalog = await getCatalogItems(db, lines.map((l) => l.sku));
  // P3.1: each parcel's journey, in the one status vocabulary, with the carrier's own words.
  const trackingByShipment = new Map<string, Array<{ at: string; status: string; rawStatus: string; description: string | null; location: string | null }>>();
  for (const s of shipments) {
    trackingByShipment.set(s.id, (await listTrackingEvents(db, s.id)).map((e) => ({ at: e.occurredAt, status: e.status, rawStatus: e.rawStatus, description: e.description, location: e.location })));
  }
  const [returns, notifications] = await Promise.all([listReturns(db, orderNo), listNotifications(db, orderNo)]);
  return {
    orderNo: order.orderNo,
    workflowId: order.workflowId,
    type: order.type,
    status: order.status,
    currency: order.currency,
    totalAmount: order.totalAmount,
    customer: order.customer,
    shippingAddress: order.shippingAddress,
    atRisk: order.atRisk,
    createdAt: order.createdAt,
    shippedAt: order.shippedAt,
    lines: lines.map((l) => ({
      lineNo: l.lineNo,
      sku: l.sku,
      name: catalog.get(l.sku)?.name ?? l.sku,
      nameZh: catalog.get(l.sku)?.nameZh ?? null,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      reservedQuantity: l.reservedQuantity,
      status: l.status,
    })),
    shipments: shipments.map((s) => ({
      id: s.id,
      parcelIndex: s.parcelIndex,
      carrier: s.carrier,
      carrierReason: s.carrierReason,
      trackingNo: s.trackingNo,
      status: s.status,
      box: s.box,
      protection: s.protection,
      packagingReason: s.packagingReason,
      weightGrams: s.weightGrams,
      items: s.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
      bookedAt: s.bookedAt,
      shippedAt: s.shippedAt,
      tracking: trackingByShipment.get(s.id) ?? [],
    })),
    returns: returns.map((r) => ({ rmaNo: r.rmaNo, source: r.source, status: r.status, reason: r.reason, returnWaybill: r.returnWaybill, refundAmount: r.refundAmount, lines: r.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, condition: l.condition, outcome: l.outcome })) })),
    notifications: notifications.map((n) => ({ kind: n.kind, channel: n.channel, status: n.status, subject: n.subject, sentAt: n.sentAt })),
    tasks: tasks.map((t: Record<string, any>) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      options: JSON.parse(t.options_json) as string[],
      defaultOption: t.default_option,
      deadline: toIso(t.deadline),
      decision: t.decision,
      decidedBy: t.decided_by,
      decidedAt: toIso(t.decided_at),
      note: t.note,
    })),
    timeline,
  };
}

export type OrderView = NonNullable<Awaited<ReturnType<typeof loadOrderView>>>;
