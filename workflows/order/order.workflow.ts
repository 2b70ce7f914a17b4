import {
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
} from '@temporalio/workflow';
import { DEFAULT_POLICY, FulfillmentPolicy } from '../../domain/policy';
import { retailSla, slaAppliesTo } from '../../domain/sla';
import type { OrderInput, OrderStatus } from '../../domain/types';
import { db, payment } from './activities';
import { OrderCancellation, OrderContext, SA } from './context';
import { backOrderFilledSignal, cancelOrderUpdate, paymentResultSignal, PaymentResult } from './messages';
import { shipReservedLines } from './shipping';
import { orderProgressQuery } from './state';
import { handleShortages, waitForBackOrders } from './stock';
import { TaskDesk } from './task-desk';
import { orderReturn } from '../returns/order-return.workflow';
import { shipmentTracking, ShipmentTrackingResult } from '../tracking/shipment-tracking.workflow';

/** Orders started before tracking existed end at `shipped`; newer ones follow their parcels (P2.7, P3). */
const TRACKING_PATCH = 'track-after-hand-over';

export interface OrderWorkflowInput {
  order: OrderInput;
  /** Durations and defaults fixed when the order was accepted; absent in orders started before it existed. */
  policy?: FulfillmentPolicy;
}

export interface OrderWorkflowResult {
  orderNo: string;
  status: OrderStatus;
  trackingNumbers: string[];
}

/** Hand-over to the carrier is the point of no return: after it, cancellation becomes a return. */
const HANDED_OVER: OrderStatus[] = ['shipped', 'delivered', 'returned'];
const FINAL: OrderStatus[] = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];
// (`shipped` ends the P1/P2 part: from there the order waits only for its parcels.)

/**
 * One order, from confirmation to hand-over (P1 → P2): validation, stock, payment, stockout
 * contingencies, inspection, packing, labels, customs, carrier booking and shipping, with human
 * decisions where a person must decide and compensation when the order is cancelled.
 */
export async function orderFulfillment({ order, policy = DEFAULT_POLICY }: OrderWorkflowInput): Promise<OrderWorkflowResult> {
  const ctx = new OrderContext(order, policy);
  const desk = new TaskDesk(ctx);
  const filledLines = new Set<number>();
  let paymentResult: PaymentResult | undefined;
  let cancelRequest: { reason: string; requestedBy: string } | undefined;

  setHandler(orderProgressQuery, () => ctx.progress);
  setHandler(paymentResultSignal, (r) => {
    paymentResult ??= r;
  });
  setHandler(backOrderFilledSignal, ({ lineId }) => {
    filledLines.add(lineId);
  });

  const flow = new CancellationScope();
  setHandler(
    cancelOrderUpdate,
    async (req) => {
      cancelRequest = req;
      flow.cancel();
      await condition(() => FINAL.includes(ctx.progress.status) && !compensating);
      return { accepted: true as const, status: ctx.progress.status };
    },
    {
      validator: (req) => {
        if (!req || typeof req.reason !== 'string' || !req.reason.trim()) throw new Error('a reason is required');
        if (ctx.handedOver || HANDED_OVER.includes(ctx.progress.status)) throw new Error(`order ${order.orderNo} has been handed over to the carrier; open a return instead`);
        if (ctx.progress.status === 'cancelled' || ctx.progress.status === 'failed') throw new Error(`order ${order.orderNo} is already ${ctx.progress.status}`);
        if (cancelRequest) throw new Error(`order ${order.orderNo} is already being cancelled`);
      },
    },
  );

  upsertSearchAttributes([
    { key: SA.status, value: 'received' },
    { key: SA.type, value: order.type },
  ]);

  // P2.8: the retail ship-by clock runs beside the flow.
  const slaWatch = order.type === 'retail' && slaAppliesTo(order.type) ? watchRetailSla(ctx, desk, () => ctx.handedOver || FINAL.includes(ctx.progress.status)) : undefined;

  let compensating = false;
  const trackers: Array<Promise<ShipmentTrackingResult>> = [];
  const tracked = new Set<string>();
  try {
    await flow.run(async () => {
      await fulfil();
    });
  } catch (err) {
    const reason = err instanceof OrderCancellation ? err.reason : cancelRequest && isCancellation(err) ? `cancelled by ${cancelRequest.requestedBy}: ${cancelRequest.reason}` : undefined;
    if (!reason) throw err;
    compensating = true;
    await CancellationScope.nonCancellable(() => compensate(reason));
    compensating = false;
  }
  if (ctx.progress.status === 'shipped' && trackers.length) await followParcels();
  await slaWatch?.catch(() => undefined);
  await condition(allHandlersFinished);
  return { orderNo: order.orderNo, status: ctx.progress.status, trackingNumbers: ctx.progress.shipments.map((s) => s.trackingNo ?? '').filter(Boolean) };

  /** Tells the customer and starts a tracking child for each parcel just handed over. */
  async function startTracking() {
    if (!patched(TRACKING_PATCH)) return;
    for (const s of ctx.progress.shipments) {
      if (tracked.has(s.id) || !s.trackingNo) continue;
      tracked.add(s.id);
      await db.notifyCustomer({ orderNo: order.orderNo, kind: 'shipped', dedupeKey: `shipped:${s.id}`, carrier: s.carrier, trackingNo: s.trackingNo });
      trackers.push(executeChild(shipmentTracking, { workflowId: `track-${s.id}`, args: [{ orderNo: order.orderNo, shipmentId: s.id, policy }] }));
    }
  }

  /** P3.3: the order is delivered when every parcel is; a parcel returned to sender goes through the returns path. */
  async function followParcels() {
    const results: ShipmentTrackingResult[] = await Promise.all(trackers);
    let returned = false;
    for (const r of results.filter((x) => x.outcome === 'returned_to_sender')) {
      const { rmaNo } = await db.openReturnForShipment({ shipmentId: r.shipmentId });
      const done = await executeChild(orderReturn, { workflowId: `return-${rmaNo}`, args: [{ rmaNo, orderNo: order.orderNo, source: 'returned_to_sender', policy }] });
      returned ||= done.orderReturned;
    }
    if (returned) ctx.progress.status = 'returned'; // written by the return when the last unit came back
    else if (results.some((r) => r.outcome === 'delivered')) {
      const all = results.every((r) => r.outcome === 'delivered');
      await ctx.moveTo('delivered', all ? 'P3.3: every parcel delivered' : `P3.3: delivered (${results.filter((r) => r.outcome !== 'delivered').map((r) => `${r.shipmentId} ${r.outcome}`).join(', ')})`);
    }
  }

  async function fulfil() {
    // P1.1 confirm the order against the catalog as it is now (it was checked at the API).
    const { issues } = await db.confirmOrderAgainstCatalog(order.orderNo);
    if (issues.length) {
      await ctx.moveTo('on_hold', `P1.1: the catalog changed since the order: ${issues.map((i) => i.message).join('; ')}`, { issues });
      const decision = await desk.ask('catalog_changed', { issues }, 'the catalog changed since the order was placed');
      if (decision === 'cancel_order') throw new OrderCancellation('P1.1: catalog changed; cancelled by decision');
    }
    await ctx.moveTo('validated', 'P1.1: order matches the catalog');

    // P1.2 reserve what is in stock now; shortages are handled after payment.
    await ctx.moveTo('reserving', 'P1.2: reserving stock');
    const reservation = await db.reserveStock(order.orderNo);

    // P1.3 no shipping before the payment is confirmed.
    await ctx.moveTo('awaiting_payment', 'P1.3: waiting for payment confirmation');
    const charge = await payment.requestPayment({ orderNo: order.orderNo });
    let result: PaymentResult['status'] | 'pending' = charge.status;
    if (result === 'pending') {
      ctx.progress.waitingFor = 'payment confirmation (webhook)';
      const arrived = await condition(() => paymentResult !== undefined, policy.paymentDeadlineMs);
      ctx.progress.waitingFor = null;
      if (!arrived) throw new OrderCancellation('P1.3: payment not confirmed before the deadline');
      await payment.recordPaymentResult({ orderNo: order.orderNo, status: paymentResult!.status, reference: paymentResult!.reference });
      result = paymentResult!.status;
    }
    if (result !== 'succeeded') throw new OrderCancellation(`P1.3: payment ${result}${charge.reason ? ` (${charge.reason})` : ''}`);
    await ctx.moveTo('paid', 'P1.3: payment confirmed');

    // P1.10 contingencies for what could not be reserved.
    const later = await handleShortages(ctx, desk, reservation.shortages);
    if (later.waitForAllBeforeShipping.length) await waitForBackOrders(ctx, later.waitForAllBeforeShipping, filledLines);

    // P1.4 – P2.2 for what is reserved now.
    await shipReservedLines(ctx, desk, filledLines, { firstRound: true });
    await startTracking();

    // The back-ordered rest of a partial shipment ships as its own parcel(s) when restock arrives.
    if (later.shipLater.length) {
      await ctx.moveTo('partially_shipped', `P1.10: the available part has shipped; ${later.shipLater.length} line(s) wait for restock`);
      await waitForBackOrders(ctx, later.shipLater, filledLines);
      await shipReservedLines(ctx, desk, filledLines, { firstRound: false });
      await startTracking();
    }
    await ctx.moveTo('shipped', `P2.2: shipped (${ctx.progress.shipments.map((s) => `${s.carrier} ${s.trackingNo}`).join(', ')})`);
  }

  /** Undo in reverse order of doing: close tasks, cancel bookings (void labels), back-orders, stock, refund. */
  async function compensate(reason: string) {
    await ctx.note('cancellation', reason);
    await db.recordCancelReason({ orderNo: order.orderNo, reason });
    await db.cancelOpenTasks(order.orderNo);
    await db.cancelBookings(order.orderNo);
    await db.cancelBackOrders(order.orderNo);
    await db.releaseStock(order.orderNo);
    await db.allocateBackOrders(order.lines.map((l) => l.sku)); // what this order gave back serves waiting back-orders first
    // Whatever is left of the charge (the provider caps it; nothing when nothing was charged).
    const total = order.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
    const refund = total > 0 ? await payment.refundPayment({ orderNo: order.orderNo, amount: total, reason, idempotencyKey: `refund:${order.orderNo}:cancel` }) : { refunded: false, amount: 0 };
    await ctx.moveTo('cancelled', `${reason}${refund.refunded ? `; refunded ${refund.amount.toFixed(2)} ${order.currency}` : ''}`);
  }
}

/** P2.8: at 75 % of the ship-by time an unshipped retail order is at risk; past it, a breach. */
async function watchRetailSla(ctx: OrderContext, desk: TaskDesk, done: () => boolean): Promise<void> {
  const start = Date.now();
  const sla = retailSla(start, ctx.policy.retailSlaMs, ctx.policy.atRiskFraction);
  await db.setShipBy({ orderNo: ctx.orderNo, shipBy: new Date(sla.shipByMs).toISOString() });
  if (await condition(done, sla.atRiskAtMs - start)) return;
  upsertSearchAttributes([{ key: SA.atRisk, value: true }]);
  await db.markAtRisk(ctx.orderNo);
  await ctx.note('sla_at_risk', `P2.8: not shipped at ${Math.round(ctx.policy.atRiskFraction * 100)} % of the retail ship-by time (ship by ${new Date(sla.shipByMs).toISOString()})`);
  const decision = desk
    .ask('sla_at_risk', { shipBy: new Date(sla.shipByMs).toISOString() }, 'the retail 24 h ship-by deadline is near', Math.max(0, sla.shipByMs - Date.now()))
    .then((d) => {
      if (d === 'expedite') ctx.serviceLevel = 'express';
    });
  const shippedInTime = await condition(done, Math.max(0, sla.shipByMs - Date.now()));
  if (!shippedInTime) await db.recordSlaBreach({ orderNo: ctx.orderNo, detail: `P2.8: ship-by deadline ${new Date(sla.shipByMs).toISOString()} passed before hand-over` });
  // Shipped or cancelled: a warning nobody answered is moot now.
  await condition(done);
  await desk.withdrawOpen('sla_at_risk', 'the order no longer waits for shipping');
  await decision;
}

