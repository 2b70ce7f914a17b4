import { beginCancellation } from '../db/cancellation';
import { getCatalogItems } from '../db/catalog';
import { appendEvent } from '../db/events';
import { getOrder, getOrderLines, loadOrderInput, setOrderStatus } from '../db/orders';
import { listShipments } from '../db/shipments';
import { Context } from '@temporalio/activity';
import { dbTime } from '../db/time';
import { validateAgainstCatalog } from '../domain/order-validation';
import type { OrderInput, OrderStatus, ValidationIssue } from '../domain/types';
import type { ActivityDeps } from './deps';
import { notFound } from './errors';
import { dispatchWebhookDeliveries } from './webhooks.activities';

export interface StatusChange {
  orderNo: string;
  status: OrderStatus;
  detail?: string;
  data?: Record<string, unknown>;
  /** From the workflow: the same change retried writes once. */
  dedupeKey: string;
}

export function createOrderActivities({ db, settings }: ActivityDeps) {
  return {
    /** P2.1 / P2.2: every transition is written with its time, for the timeline and the list. */
    async recordStatus(change: StatusChange): Promise<void> {
      await setOrderStatus(db, change);
      await dispatchWebhookDeliveries(db);
    },

    async recordEvent(e: { orderNo: string; type: string; detail: string; data?: Record<string, unknown>; dedupeKey: string }): Promise<void> {
      await appendEvent(db, e);
    },

    /** P2.8: the retail ship-by deadline, and what happens as it nears and passes. */
    async setShipBy(input: { orderNo: string; shipBy: string }): Promise<void> {
      await db('orders').where({ order_no: input.orderNo }).update({ ship_by: input.shipBy });
    },
    async markAtRisk(orderNo: string): Promise<void> {
      await db('orders').where({ order_no: orderNo }).update({ at_risk: true });
    },
    async recordSlaBreach(input: { orderNo: string; detail: string }): Promise<void> {
      await db('orders').where({ order_no: input.orderNo }).whereNull('sla_breached_at').update({ sla_breached_at: dbTime() });
      await appendEvent(db, { orderNo: input.orderNo, type: 'sla_breached', detail: input.detail, dedupeKey: `sla-breach:${input.orderNo}` });
    },
    /**
     * First step of compensation: everything of the order that has not left the warehouse is closed
     * in one transaction (lines, reservations, back-orders, unshipped parcels; see db/cancellation.ts),
     * so that a side effect still in flight finds it closed. Returns the SKUs put back on the shelf.
     */
    async beginCancellation(orderNo: string): Promise<{ releasedSkus: string[] }> {
      return beginCancellation(db, orderNo);
    },

    /**
     * What settleAbandonedOrder needs to know of an order whose workflow ended without finishing:
     * the order as submitted, its status and parcels, and whether it is settled already.
     */
    async settlementBrief(orderNo: string): Promise<{ order: OrderInput; status: OrderStatus; settled: boolean; shipments: Array<{ id: string; carrier?: string; trackingNo?: string; shipped: boolean }>; timeScale: number } | undefined> {
      const order = await loadOrderInput(db, orderNo);
      const row = await getOrder(db, orderNo);
      if (!order || !row) return undefined;
      const shipments = (await listShipments(db, orderNo)).map((s) => ({ id: s.id, carrier: s.carrier ?? undefined, trackingNo: s.trackingNo ?? undefined, shipped: Boolean(s.shippedAt) && s.status !== 'cancelled' }));
      const settled = ['cancelled', 'failed', 'delivered', 'returned'].includes(row.status) || (row.status === 'shipped' && !(await getOrderLines(db, orderNo)).some((l) => !['shipped', 'cancelled'].includes(l.status)));
      return { order, status: row.status, settled, shipments, timeScale: settings.timeScale };
    },

    /**
     * Orders whose workflow ended abnormally (terminated, failed, timed out, cancelled without
     * compensating) and whose record still shows them unsettled, found through Temporal's visibility
     * (one query, not a describe per order). At most 200 per look.
     */
    async findAbandonedOrders(): Promise<Array<{ orderNo: string; why: string }>> {
      // The same schedule starts outbound webhook deliveries that no activity could start yet.
      await dispatchWebhookDeliveries(db);
      const client = Context.current().client;
      const found: Array<{ orderNo: string; why: string }> = [];
      const query = "WorkflowType = 'orderFulfillment' AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Canceled')";
      for await (const wf of client.workflow.list({ query, pageSize: 200 })) {
        if (!wf.workflowId.startsWith('order-')) continue;
        const orderNo = wf.workflowId.slice('order-'.length);
        const brief = await getOrder(db, orderNo);
        if (!brief || ['cancelled', 'failed', 'delivered', 'returned'].includes(brief.status)) continue;
        if (brief.status === 'shipped' && !(await getOrderLines(db, orderNo)).some((l) => !['shipped', 'cancelled'].includes(l.status))) continue;
        found.push({ orderNo, why: `workflow ${wf.status.name.toLowerCase()}` });
        if (found.length >= 200) break;
      }
      return found;
    },

    async recordCancelReason(input: { orderNo: string; reason: string }): Promise<void> {
      await db('orders').where({ order_no: input.orderNo }).update({ cancel_reason: input.reason.slice(0, 500) });
    },

    /**
     * P1.1 again at the warehouse's door: the API checked the order against the catalog when it
     * arrived; the catalog may have changed since.
     */
    async confirmOrderAgainstCatalog(orderNo: string): Promise<{ issues: ValidationIssue[] }> {
      const order = await getOrder(db, orderNo);
      if (!order) throw notFound(`order ${orderNo}`);
      const lines = await getOrderLines(db, orderNo);
      const catalog = await getCatalogItems(db, lines.map((l) => l.sku));
      const asInput = { orderNo, currency: order.currency, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })) } as OrderInput;
      return { issues: validateAgainstCatalog(asInput, catalog) };
    },
  };
}
