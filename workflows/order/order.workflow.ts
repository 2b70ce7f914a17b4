import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { DEFAULT_POLICY, FulfillmentPolicy, historyBudget, safetyNetMs } from '../../domain/policy';
import type { OrderInput, OrderStatus } from '../../domain/types';
import { db, payment, paymentRequest, tellCustomer } from './activities';
import { undoUnshipped } from './compensation';
import { ContextState, OrderCancellation, OrderContext, SA } from './context';
import { backOrderFilledSignal, cancelOrderUpdate, ParcelTracked, parcelTrackedSignal, paymentResultSignal, PaymentResult } from './messages';
import { handOverAtStation, shipReservedLines } from './shipping';
import { SlaState, watchRetailSla } from './sla';
import { orderProgressQuery } from './state';
import { BACK_ORDER_OVERDUE_PATCH, handleShortages, waitForBackOrders, waitForBackOrdersOrAsk } from './stock';
import { partiallyShippedDetail, shippedDetail } from './shipping';
import type { Shortage } from '../../activities/inventory.activities';
import { retailSla, slaAppliesTo } from '../../domain/sla';
import { TaskDesk } from './task-desk';
import { HandOverResume, Stations } from './stations';
import { orderReturn } from '../returns/order-return.workflow';
import { shipmentTracking, ShipmentTrackingResult } from '../tracking/shipment-tracking.workflow';

/** Orders started before tracking existed end at `shipped`; newer ones follow their parcels (P2.7, P3). */
const TRACKING_PATCH = 'track-after-hand-over';
/** Tracking runs on its own and reports back by signal, so an order can continue as new while parcels travel. */
const TRACKERS_REPORT_PATCH = 'trackers-report-by-signal';
/** Long waits (restock, parcels) continue as new before the history grows past its budget. */
const CONTINUE_AS_NEW_PATCH = 'continue-as-new-on-long-waits';
/** Compensation voids a pending charge, keeps what shipped, and runs on every way out (failures too). */
const COMPENSATION_PATCH = 'compensate-unshipped-only';
/** A requested cancel decides how the order ends, whatever ended the step in flight. */
const CANCEL_REQUEST_WINS_PATCH = 'cancel-request-wins';
/**
 * Issue 15: each step is one activity (one transaction) that writes its own statuses: accept
 * (validate + reserve), charge (writes `paid`), prepare the pick, pack and label, book, hand over
 * (stock, parcels and statuses at once), notify. Decided once at the order's start and carried
 * across continue-as-new (ContextState.merged), so a run never changes path half-way.
 */
export const MERGED_STEPS_PATCH = 'merged-steps';

export interface OrderWorkflowInput {
  order: OrderInput;
  /** Durations and defaults fixed when the order was accepted; absent in orders started before it existed. */
  policy?: FulfillmentPolicy;
  /** Set when a run continues as new: where the order stands, and what arrived while the last run waited. */
  carried?: CarriedOrder;
}

export interface OrderWorkflowResult {
  orderNo: string;
  status: OrderStatus;
  trackingNumbers: string[];
}

/** Where an order is in its flow, at the points where a run may hand over to the next. */
export type Stage =
  | { name: 'intake' }
  /** `since`: when the wait began (issue 15's back_order_overdue clock; set from the first look on, absent before). */
  | { name: 'restock'; lineIds: number[]; next: ShipStage; since?: number }
  | ShipStage
  | { name: 'follow' };
/** One round of picking to hand-over; `shipLater` lines wait for restock after it (a partial shipment). */
type ShipStage = {
  name: 'ship';
  round: number;
  inspectionPass: number;
  shipLater: number[];
  /** Stations mode: the round is booked and waits for the courier's scans (a run continued as new after a missed pickup). */
  handover?: HandOverResume;
};

/** Everything a run hands to the next when it continues as new. */
export interface CarriedOrder {
  stage: Stage;
  context: ContextState;
  /** Back-ordered lines a restock has filled (signals that arrived before the last run ended). */
  filledLines: number[];
  /** Parcels whose tracking has started, and what became of those that ended. */
  tracked: string[];
  parcelOutcomes: ShipmentTrackingResult[];
  sla?: SlaState;
  /** Runs so far (1 for the first), for the timeline and the tests. */
  run: number;
}

/** What a charge can say: the provider's answer, still pending, or voided. */
type ChargeStatus = PaymentResult['status'] | 'pending' | 'voided';

/** Hand-over to the carrier is the point of no return: after it, cancellation becomes a return. */
const HANDED_OVER: OrderStatus[] = ['shipped', 'delivered', 'returned'];
const FINAL: OrderStatus[] = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];
// (`shipped` ends the P1/P2 part: from there the order waits only for its parcels.)

/** How often an order following its parcels looks in the database itself, in case a tracker's report was lost. */
const PARCEL_LOOK_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * One order, from confirmation to hand-over (P1 → P2) and on until its parcels arrive (P3):
 * validation, stock, payment, stockout contingencies, inspection, packing, labels, customs, carrier
 * booking and shipping, with human decisions where a person must decide. Whatever ends it early
 * (a cancellation, a decision, a failure, a cancel request from Temporal) undoes what has not left
 * the warehouse: bookings, stock, back-orders, the charge. Long waits continue as new.
 */
export async function orderFulfillment({ order, policy = DEFAULT_POLICY, carried }: OrderWorkflowInput): Promise<OrderWorkflowResult> {
  const ctx = new OrderContext(order, policy, carried?.context);
  const desk = new TaskDesk(ctx);
  const filledLines = new Set<number>(carried?.filledLines ?? []);
  const tracked = new Set<string>(carried?.tracked ?? []);
  const parcelOutcomes = new Map<string, ShipmentTrackingResult>((carried?.parcelOutcomes ?? []).map((o) => [o.shipmentId, o]));
  /** Trackers started the old way (children that end with this run): this run must not continue as new. */
  const legacyTrackers: Array<Promise<ShipmentTrackingResult>> = [];
  const runNo = carried?.run ?? 1;
  let paymentResult: PaymentResult | undefined;
  let cancelRequest: { reason: string; requestedBy: string } | undefined;
  let compensating = false;
  let stage: Stage = carried?.stage ?? { name: 'intake' };

  setHandler(orderProgressQuery, () => ctx.progress);
  setHandler(paymentResultSignal, (r) => {
    paymentResult ??= r;
  });
  setHandler(backOrderFilledSignal, ({ lineId }) => {
    filledLines.add(lineId);
  });
  setHandler(parcelTrackedSignal, (p: ParcelTracked) => {
    if (!parcelOutcomes.has(p.shipmentId)) parcelOutcomes.set(p.shipmentId, { shipmentId: p.finalShipmentId, outcome: p.outcome });
  });

  // Stations mode: the warehouse floor's messages (refused while a cancellation runs or once the order ended).
  const stations = new Stations(ctx, desk, () =>
    cancelRequest || compensating ? `order ${order.orderNo} is being cancelled` : FINAL.includes(ctx.progress.status) ? `order ${order.orderNo} is ${ctx.progress.status}` : undefined,
  );

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
        if (ctx.handingOver || stations.handOverStarted || HANDED_OVER.includes(ctx.progress.status)) throw new Error(`order ${order.orderNo} has been handed over to the carrier; open a return instead`);
        if (ctx.progress.status === 'cancelled' || ctx.progress.status === 'failed') throw new Error(`order ${order.orderNo} is already ${ctx.progress.status}`);
        if (cancelRequest || compensating) throw new Error(`order ${order.orderNo} is already being cancelled`);
        // A partly shipped order: the waiting rest is cancelled and refunded (before the compensation
        // patch, everything handed over or not would have been).
        if (ctx.shippedParcels > 0 && !restCancellable) throw new Error(`order ${order.orderNo} has been handed over to the carrier; open a return instead`);
      },
    },
  );

  if (!carried) {
    upsertSearchAttributes([
      { key: SA.status, value: 'received' },
      { key: SA.type, value: order.type },
    ]);
  }
  // The validator above cannot call patched() (a validator must not issue commands): read it here.
  const restCancellable = patched(COMPENSATION_PATCH);
  // A run continued as new keeps the path its order started on (an older order's carried state has no flag).
  if (!carried) ctx.merged = patched(MERGED_STEPS_PATCH);

  // P2.8: the retail ship-by clock runs beside the flow.
  const sla: SlaState | undefined = order.type === 'retail' && slaAppliesTo(order.type) ? (carried?.sla ?? { startedAtMs: Date.now(), atRiskNoted: false, breachRecorded: false, busy: false }) : undefined;
  // Its rejection is handled at once: a cancel request from Temporal cancels it with the flow, and an
  // unhandled rejection would fail the workflow task (the order would hang instead of compensating).
  const slaWatch = sla
    ? watchRetailSla(ctx, desk, sla, () => ctx.handedOver || FINAL.includes(ctx.progress.status), Boolean(carried?.sla) || ctx.merged).catch((err) => {
        if (!isCancellation(err)) log.warn('the ship-by watch ended with an error', { orderNo: order.orderNo, error: String(err) });
      })
    : undefined;

  try {
    await flow.run(() => runStages());
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const end = classifyEnd(err);
    if (!end) throw err;
    compensating = true;
    await CancellationScope.nonCancellable(() => compensate(end.reason, end.outcome));
    compensating = false;
    if (end.outcome === 'failed' && !ctx.shippedParcels) {
      await CancellationScope.nonCancellable(async () => {
        await slaWatch;
        await condition(allHandlersFinished);
      });
      // Compensated: the workflow fails visibly (Temporal UI, alerts) with the cause attached.
      throw ApplicationFailure.create({ message: `order ${order.orderNo} failed and was compensated: ${end.reason}`, type: 'OrderFailed', nonRetryable: true, cause: err instanceof Error ? err : undefined });
    }
  }
  await CancellationScope.nonCancellable(async () => {
    if (ctx.shippedParcels && HANDED_OVER.includes(ctx.progress.status)) await followParcels();
    await slaWatch;
    await condition(allHandlersFinished);
  });
  return { orderNo: order.orderNo, status: ctx.progress.status, trackingNumbers: ctx.progress.shipments.map((s) => s.trackingNo ?? '').filter(Boolean) };

  /** Why the flow ended early, and how the order ends: cancelled (a decision, a person, Temporal) or failed. */
  function classifyEnd(err: unknown): { reason: string; outcome: 'cancelled' | 'failed' } | undefined {
    if (err instanceof OrderCancellation) return { reason: err.reason, outcome: 'cancelled' };
    // A cancel was asked for: the order ends cancelled even when the step in flight ended in a
    // failure instead (an activity that cannot hear the cancel times out meanwhile).
    if (cancelRequest && (isCancellation(err) || patched(CANCEL_REQUEST_WINS_PATCH))) return { reason: `cancelled by ${cancelRequest.requestedBy}: ${cancelRequest.reason}`, outcome: 'cancelled' };
    if (!patched(COMPENSATION_PATCH)) return undefined; // orders from before: a failure failed the workflow, nothing undone
    // A cancel request sent to the workflow from the Temporal UI or CLI is a cancellation like any other.
    if (isCancellation(err)) return { reason: 'cancelled through Temporal (a cancel request on the workflow)', outcome: 'cancelled' };
    const cause = err instanceof ActivityFailure && err.cause instanceof Error ? `${err.activityType ?? 'activity'}: ${err.cause.message}` : err instanceof Error ? err.message : String(err);
    return { reason: `failed: ${cause}`.slice(0, 450), outcome: 'failed' };
  }

  /** The flow as stages; a run that continues as new resumes at the stage it stopped in. */
  async function runStages(): Promise<void> {
    for (;;) {
      switch (stage.name) {
        case 'intake':
          stage = await intake();
          break;
        case 'restock': {
          const waiting = stage;
          // Issue 15: the order's first wait (nothing shipped yet: round 1, first inspection) asks a
          // supervisor once it runs past the policy's time; orders whose policy lacks it never do.
          const overdueAfterMs = waiting.next.round === 1 && waiting.next.inspectionPass === 1 ? policy.backOrderTaskAfterMs : undefined;
          if (overdueAfterMs && patched(BACK_ORDER_OVERDUE_PATCH)) {
            await waitForBackOrdersOrAsk(ctx, desk, waiting.lineIds, filledLines, waiting.since ?? Date.now(), overdueAfterMs, (since) => checkpoint({ ...waiting, since }));
          } else await waitForBackOrders(ctx, waiting.lineIds, filledLines, () => checkpoint(waiting));
          stage = waiting.next;
          break;
        }
        case 'ship': {
          const round = stage;
          // Stations mode: a long wait at the pick station or the courier pickup may continue as new here.
          const atStation = (handover?: HandOverResume) => checkpoint(handover ? { ...round, handover } : { ...round, handover: undefined });
          const outcome = round.handover
            ? await handOverAtStation(ctx, stations, round.handover, atStation)
            : await shipReservedLines(ctx, desk, filledLines, { firstRound: round.round === 1, inspectionPass: round.inspectionPass, stations, checkpoint: atStation, shipLater: round.shipLater.length });
          if (outcome.kind === 'wait_for_replacement') {
            stage = { name: 'restock', lineIds: outcome.lineIds, next: { ...round, inspectionPass: round.inspectionPass + 1 } };
            break;
          }
          await startTracking();
          // Merged steps: the hand-over wrote shipped (or partially_shipped) in its own transaction.
          const written = outcome.kind === 'handed_over' && outcome.statusWritten;
          if (round.shipLater.length) {
            // The back-ordered rest of a partial shipment ships as its own parcel(s) when restock arrives.
            if (!written) await ctx.moveTo('partially_shipped', partiallyShippedDetail(round.shipLater.length));
            stage = { name: 'restock', lineIds: round.shipLater, next: { name: 'ship', round: round.round + 1, inspectionPass: 1, shipLater: [] } };
            break;
          }
          if (!written) await ctx.moveTo('shipped', shippedDetail(ctx));
          stage = { name: 'follow' };
          break;
        }
        case 'follow':
          return;
      }
    }
  }

  async function intake(): Promise<Stage> {
    if (ctx.merged) return mergedIntake();
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
    const charge = await requestCharge();
    let result: ChargeStatus = charge.status;
    if (result === 'pending') {
      const arrived = await awaitPaymentResult();
      // What the charge says now is the truth (a late "failed" for a charge that succeeded stays succeeded).
      result = patched(COMPENSATION_PATCH) ? arrived.recorded : arrived.reported;
    }
    if (result !== 'succeeded') throw notPaid(result, charge.reason);
    await ctx.moveTo('paid', 'P1.3: payment confirmed');
    return afterPayment(reservation.shortages);
  }

  /**
   * P1.3 the charge, retried until the payment deadline at most. A provider that never answers means
   * not confirmed (the charge, if it happened, is voided or refunded by the compensation). `paid`
   * (merged steps): the status row the charge writes itself when it succeeds at once.
   */
  async function requestCharge(paid?: ReturnType<OrderContext['statusWrite']>) {
    try {
      return await paymentRequest(policy.paymentDeadlineMs).requestPayment(paid ? { orderNo: order.orderNo, paid } : { orderNo: order.orderNo });
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      throw new OrderCancellation(`P1.3: the payment provider did not answer (${err.cause instanceof Error ? err.cause.message : err.message})`);
    }
  }

  /** P1.3 a pending charge: the provider's notification, until the payment deadline; what it reported and what the charge says now. */
  async function awaitPaymentResult(): Promise<{ reported: ChargeStatus; recorded: ChargeStatus }> {
    ctx.progress.waitingFor = 'payment confirmation (webhook)';
    const arrived = await condition(() => paymentResult !== undefined, policy.paymentDeadlineMs);
    ctx.progress.waitingFor = null;
    if (!arrived) throw new OrderCancellation('P1.3: payment not confirmed before the deadline');
    const recorded = await payment.recordPaymentResult({ orderNo: order.orderNo, status: paymentResult!.status, reference: paymentResult!.reference });
    return { reported: paymentResult!.status, recorded: recorded.status };
  }

  function notPaid(result: ChargeStatus, reason?: string): OrderCancellation {
    return new OrderCancellation(`P1.3: payment ${result}${reason ? ` (${reason})` : ''}`);
  }

  /** P1.10 contingencies for what could not be reserved, then the first round of shipping. */
  async function afterPayment(shortages: Shortage[]): Promise<Stage> {
    const later = await handleShortages(ctx, desk, shortages);
    const ship: ShipStage = { name: 'ship', round: 1, inspectionPass: 1, shipLater: later.shipLater };
    return later.waitForAllBeforeShipping.length ? { name: 'restock', lineIds: later.waitForAllBeforeShipping, next: ship } : ship;
  }

  /**
   * The intake as merged steps (MERGED_STEPS_PATCH): one activity validates and reserves (writing
   * validated, reserving, awaiting_payment), the charge writes `paid` itself. A changed catalog
   * writes nothing and takes the desk's path as before.
   */
  async function mergedIntake(): Promise<Stage> {
    const shipBy = sla ? new Date(retailSla(sla.startedAtMs, policy.retailSlaMs, policy.atRiskFraction).shipByMs).toISOString() : undefined;
    const accept = (acceptIssues: boolean) =>
      db.acceptOrder({
        orderNo: order.orderNo,
        before: [ctx.statusWrite('validated', 'P1.1: order matches the catalog'), ctx.statusWrite('reserving', 'P1.2: reserving stock')],
        after: [ctx.statusWrite('awaiting_payment', 'P1.3: waiting for payment confirmation')],
        acceptIssues,
        shipBy,
      });
    let accepted = await accept(false);
    if (accepted.issues.length) {
      const { issues } = accepted;
      await ctx.moveTo('on_hold', `P1.1: the catalog changed since the order: ${issues.map((i) => i.message).join('; ')}`, { issues });
      const decision = await desk.ask('catalog_changed', { issues }, 'the catalog changed since the order was placed');
      if (decision === 'cancel_order') throw new OrderCancellation('P1.1: catalog changed; cancelled by decision');
      accepted = await accept(true);
    }
    ctx.arrived('awaiting_payment');

    // P1.3 no shipping before the payment is confirmed; a charge that succeeds at once writes `paid` itself.
    const paid = ctx.statusWrite('paid', 'P1.3: payment confirmed');
    const charge = await requestCharge(paid);
    let result: ChargeStatus = charge.status;
    if (result === 'pending') {
      result = (await awaitPaymentResult()).recorded;
      if (result !== 'succeeded') throw notPaid(result, charge.reason);
      await ctx.moveTo('paid', 'P1.3: payment confirmed');
    } else {
      if (result !== 'succeeded') throw notPaid(result, charge.reason);
      ctx.arrived('paid');
    }
    return afterPayment(accepted.shortages);
  }

  /**
   * At a long wait's safety-net wake-up: when this run's history has reached its budget (or
   * Temporal suggests it), and nothing is in flight that the next run could not pick up (an open
   * task, an update being handled, an SLA step, a cancellation, a tracker that ends with this run),
   * continue as new with everything the order knows.
   */
  async function checkpoint(at: Stage): Promise<void> {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < historyBudget(policy)) return;
    if (desk.openCount > 0 || !allHandlersFinished() || cancelRequest || compensating || sla?.busy || legacyTrackers.length) return;
    if (!patched(CONTINUE_AS_NEW_PATCH)) return; // (a marker only when a run actually continues as new)
    await continueAsNew<typeof orderFulfillment>({
      order,
      policy,
      carried: {
        stage: at,
        context: ctx.state(),
        filledLines: [...filledLines],
        tracked: [...tracked],
        parcelOutcomes: [...parcelOutcomes.values()],
        sla: sla ? { ...sla } : undefined,
        run: runNo + 1,
      },
    });
  }

  /** Tells the customer and starts a tracking workflow for each parcel just handed over. */
  async function startTracking() {
    if (!patched(TRACKING_PATCH)) return;
    for (const s of ctx.progress.shipments) {
      if (tracked.has(s.id) || !s.trackingNo) continue;
      tracked.add(s.id);
      await tellCustomer({ orderNo: order.orderNo, kind: 'shipped', dedupeKey: `shipped:${s.id}`, carrier: s.carrier, trackingNo: s.trackingNo });
      const args = [{ orderNo: order.orderNo, shipmentId: s.id, policy }] as const;
      if (patched(TRACKERS_REPORT_PATCH)) {
        // The parcel is followed on its own (it keeps going if the order continues as new) and
        // reports its end by signal (parcelTracked).
        try {
          await startChild(shipmentTracking, {
            workflowId: `track-${s.id}`,
            args: [...args],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            // One tracker per parcel, ever: a step re-run after a reset finds it and does not start another.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      } else {
        legacyTrackers.push(executeChild(shipmentTracking, { workflowId: `track-${s.id}`, args: [...args] }));
      }
    }
  }

  /** P3.3: the order is delivered when every parcel is; a parcel returned to sender goes through the returns path. */
  async function followParcels() {
    let results: ShipmentTrackingResult[];
    if (legacyTrackers.length) {
      results = await Promise.all(legacyTrackers);
    } else {
      const waiting = () => [...tracked].filter((id) => !parcelOutcomes.has(id));
      ctx.progress.waitingFor = 'the parcels to arrive';
      while (waiting().length) {
        if (await condition(() => waiting().length === 0, safetyNetMs(policy, PARCEL_LOOK_EVERY_MS))) break;
        // A report can be lost (the tracker ended while this order was between runs, or failed):
        // the parcels' own records say how their tracking ended.
        for (const r of await db.parcelOutcomes({ orderNo: order.orderNo, shipmentIds: waiting() })) parcelOutcomes.set(r.shipmentId, { shipmentId: r.finalShipmentId, outcome: r.outcome });
        if (waiting().length) await checkpoint({ name: 'follow' });
      }
      ctx.progress.waitingFor = null;
      results = [...tracked].map((id) => parcelOutcomes.get(id)!);
    }
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

  /** Undoes what has not left the warehouse (compensation.ts); orders from before the patch as they did. */
  async function compensate(reason: string, outcome: 'cancelled' | 'failed') {
    if (!patched(COMPENSATION_PATCH)) return compensateAsBefore(reason);
    await undoUnshipped(ctx, desk, reason, outcome);
  }

  /** Compensation of orders that began before COMPENSATION_PATCH (kept for their replay). */
  async function compensateAsBefore(reason: string) {
    await ctx.note('cancellation', reason);
    await db.recordCancelReason({ orderNo: order.orderNo, reason });
    await db.cancelOpenTasks(order.orderNo);
    await db.cancelBookings(order.orderNo);
    await db.cancelBackOrders(order.orderNo);
    await db.releaseStock(order.orderNo);
    await db.allocateBackOrders(order.lines.map((l) => l.sku));
    const total = order.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
    const refund = total > 0 ? await payment.refundPayment({ orderNo: order.orderNo, amount: total, reason, idempotencyKey: `refund:${order.orderNo}:cancel` }) : { refunded: false, amount: 0 };
    await ctx.moveTo('cancelled', `${reason}${refund.refunded ? `; refunded ${refund.amount.toFixed(2)} ${order.currency}` : ''}`);
  }
}
