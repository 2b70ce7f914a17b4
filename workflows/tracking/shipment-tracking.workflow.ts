import { ActivityFailure, allHandlersFinished, condition, continueAsNew, defineQuery, getExternalWorkflowHandle, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { FulfillmentPolicy, historyBudget } from '../../domain/policy';
import { DELAY_THRESHOLD_MS, delayReason, EXPIRE_AFTER_MS, isAddressException, TRACKING_LIFETIME_MS, TrackingStatus } from '../../domain/tracking';
import { carrier, db, payment, tellCustomer } from '../order/activities';
import { stepKey } from '../order/context';
import { parcelTrackedSignal, trackingUpdatedSignal } from '../order/messages';
import type { OrderProgress } from '../order/state';
import { DeskContext, TaskDesk } from '../order/task-desk';

export interface ShipmentTrackingInput {
  orderNo: string;
  shipmentId: string;
  policy: FulfillmentPolicy;
  /** Set when a run continues as new: where the tracking stands. */
  carried?: TrackingCarry;
}

export interface ShipmentTrackingResult {
  /** The shipment tracked last (a replacement when the parcel was resubmitted or reshipped). */
  shipmentId: string;
  outcome: 'delivered' | 'returned_to_sender' | 'refunded' | 'expired';
}

/** What a tracking run hands to the next. */
export interface TrackingCarry {
  current: string;
  status: TrackingStatus | null;
  cursor: number;
  lastScanMs: number;
  delayFlagged: boolean;
  pollEvery: number;
  seq: number;
  startedAtMs: number;
  run: number;
}

type Snapshot = Awaited<ReturnType<typeof db.pullTrackingEvents>>;

export const trackingProgressQuery = defineQuery<{ shipmentId: string; status: TrackingStatus | null; waitingFor: string | null; run: number }>('trackingProgress');

const MIN_POLL_MS = 1000;
/** Tells the order how tracking ended (the order may be in a later run than the one that started it). */
const REPORT_PATCH = 'report-to-order';
const CONTINUE_AS_NEW_PATCH = 'tracking-continue-as-new';
const LIFETIME_PATCH = 'tracking-lifetime-cap';

/**
 * P2.7 / P3.1 / P3.2: follows one parcel until it ends. Events come from polling the carrier (with
 * back-off while nothing happens) and from its webhook (a signal that says "look now"); both land in
 * tracking_events, deduplicated by the carrier's event id. A late parcel (no scan for longer than the
 * carrier's threshold, or past the promised date) tells the customer and opens a delivery_delayed
 * task; an address exception opens delivery_exception, where "correct and resubmit" books a new
 * shipment and cancels the old waybill.
 *
 * Bounded: after 30 days without news, or 60 days in all (scaled), the parcel's tracking ends as
 * expired; a run continues as new once its history reaches the policy's budget.
 */
export async function shipmentTracking({ orderNo, shipmentId, policy, carried }: ShipmentTrackingInput): Promise<ShipmentTrackingResult> {
  const progress: Pick<OrderProgress, 'waitingFor' | 'openTasks'> = { waitingFor: null, openTasks: [] };
  let seq = carried?.seq ?? 0;
  // Keys without the run id (a reset re-runs the same keys), numbered across runs.
  const ctx: DeskContext = { orderNo, policy, progress, nextKey: (what) => stepKey(shipmentId, ++seq, what) };
  const desk = new TaskDesk(ctx);
  let current = carried?.current ?? shipmentId;
  let status: TrackingStatus | null = carried?.status ?? null;
  let nudged = false;
  const run = carried?.run ?? 1;
  setHandler(trackingUpdatedSignal, () => {
    nudged = true;
  });
  setHandler(trackingProgressQuery, () => ({ shipmentId: current, status, waitingFor: progress.waitingFor, run }));

  const scale = policy.timeScale;
  // After news, look again in 2 h (the carrier's webhook says "look now" in between); without news,
  // back off to every 12 h. Scans every few hours for a month stay well inside the history budget.
  const minPoll = Math.max(MIN_POLL_MS, 2 * 60 * 60 * 1000 * scale);
  const maxPoll = Math.max(minPoll, 12 * 60 * 60 * 1000 * scale);
  let pollEvery = carried?.pollEvery ?? minPoll;
  let cursor = carried?.cursor ?? 0;
  let lastScanMs = carried?.lastScanMs ?? Date.now();
  let delayFlagged = carried?.delayFlagged ?? false;
  const startedAtMs = carried?.startedAtMs ?? Date.now();
  let delayDecision: string | undefined;

  const finish = async (outcome: ShipmentTrackingResult['outcome'], detail: string): Promise<ShipmentTrackingResult> => {
    await desk.withdrawOpen('delivery_delayed', `tracking ended: ${outcome}`);
    await db.finishShipment({ shipmentId: current, status: outcome, detail });
    await condition(allHandlersFinished);
    if (patched(REPORT_PATCH)) {
      try {
        await getExternalWorkflowHandle(`order-${orderNo}`).signal(parcelTrackedSignal, { shipmentId, finalShipmentId: current, outcome });
      } catch {
        // The order has closed (or is not waiting): it reads the parcel's record instead.
      }
    }
    return { shipmentId: current, outcome };
  };
  const notify = tellCustomer;
  const refundParcel = async (why: string): Promise<ShipmentTrackingResult> => {
    const amount = await db.shipmentValue(current);
    const refund = amount > 0 ? (await desk.persist(`refund parcel ${current}`, () => payment.refundPayment({ orderNo, amount, reason: why, idempotencyKey: `refund:${orderNo}:parcel:${current}` }))) ?? { refunded: false, amount: 0 } : { refunded: false, amount: 0 };
    if (refund.refunded) await notify({ orderNo, kind: 'refunded', dedupeKey: `refunded:parcel:${current}`, amount: refund.amount });
    return finish('refunded', `P3.2: ${why}; refunded ${refund.amount.toFixed(2)}`);
  };
  const resubmit = async (why: string, shippingAddress?: import('../../domain/types').Address): Promise<boolean> => {
    await desk.withdrawOpen('delivery_delayed', 'the parcel is being resubmitted');
    const next = await desk.persist(`resubmit parcel ${current}`, () => carrier.rebookShipment({ shipmentId: current, reason: why, shippingAddress }));
    if (!next) return false; // resubmitted by hand outside BoxFlow: keep following the old waybill
    await notify({ orderNo, kind: 'reshipped', dedupeKey: `reshipped:${next.shipmentId}`, carrier: next.carrier, trackingNo: next.trackingNo });
    current = next.shipmentId;
    cursor = 0;
    delayFlagged = false;
    lastScanMs = Date.now();
    return true;
  };

  let lastSnap: Snapshot | undefined;
  for (;;) {
    let snap: Snapshot;
    try {
      snap = await carrier.pullTrackingEvents({ shipmentId: current, afterRowId: cursor, asOf: Date.now() });
      lastSnap = snap;
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err) || !lastSnap || lastSnap.shipmentId !== current) throw err;
      // The carrier's feed did not answer through its retries: no news this time (a long silence
      // raises the delay task below, as it would for a parcel that stopped scanning).
      snap = { ...lastSnap, events: [] };
    }
    let replaced = false;
    for (const e of snap.events) {
      cursor = e.rowId;
      status = e.status;
      lastScanMs = Math.max(lastScanMs, Date.parse(e.occurredAt));
      if (e.status === 'delivered') {
        await notify({ orderNo, kind: 'delivered', dedupeKey: `delivered:${current}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
        return finish('delivered', `P3.1: ${snap.carrier} ${snap.trackingNo} delivered`);
      }
      if (e.status === 'returned_to_sender') return finish('returned_to_sender', `P3.3: ${snap.carrier} ${snap.trackingNo} returned to sender: ${e.description ?? ''}`);
      if (e.status === 'exception') {
        await desk.withdrawOpen('delivery_delayed', 'an exception replaced the delay');
        await notify({ orderNo, kind: 'delivery_problem', dedupeKey: `problem:${current}:${e.rowId}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
        const addressProblem = isAddressException(e.description);
        const { decision, correction } = await desk.askWithCorrection(
          'delivery_exception',
          { shipmentId: current, carrier: snap.carrier, trackingNo: snap.trackingNo, event: e.description, addressProblem },
          `a decision on the exception of ${snap.trackingNo}`,
        );
        if (decision === 'return_to_sender') return finish('returned_to_sender', `P3.2: ${snap.trackingNo} sent back to the warehouse by decision`);
        if (decision === 'refund') return refundParcel(`parcel ${snap.trackingNo} could not be delivered (${e.description ?? 'exception'})`);
        replaced = await resubmit(`exception: ${e.description ?? ''}`, correction?.shippingAddress);
        break;
      }
    }
    if (replaced) continue;

    if (delayDecision) {
      const decision = delayDecision;
      delayDecision = undefined;
      if (decision === 'refund') return refundParcel(`parcel ${snap.trackingNo} is lost or too late`);
      if (decision === 'reship') {
        await resubmit(`late parcel ${snap.trackingNo} reshipped`);
        continue;
      }
      if (decision === 'notify_customer') await notify({ orderNo, kind: 'delayed', dedupeKey: `delayed-again:${current}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
    }

    if (!delayFlagged) {
      const why = delayReason({ nowMs: Date.now(), lastScanMs, promisedMs: Date.parse(snap.promisedAt), thresholdMs: DELAY_THRESHOLD_MS[snap.carrier] * scale });
      if (why) {
        delayFlagged = true;
        await db.markShipmentDelayed({ shipmentId: current, reason: why });
        await notify({ orderNo, kind: 'delayed', dedupeKey: `delayed:${current}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
        void desk
          .ask('delivery_delayed', { shipmentId: current, carrier: snap.carrier, trackingNo: snap.trackingNo, reason: why }, `a decision on late parcel ${snap.trackingNo}`)
          .then((d) => {
            if (d !== 'withdrawn') delayDecision = d;
          })
          .catch(() => undefined); // cancelled with the workflow: nothing left to decide
      }
    }
    if (Date.now() - lastScanMs > EXPIRE_AFTER_MS * scale) return finish('expired', `P3.1: no news of ${snap.trackingNo} for 30 days (scaled)`);
    if (Date.now() - startedAtMs > TRACKING_LIFETIME_MS * scale && patched(LIFETIME_PATCH)) {
      return finish('expired', `P3.1: ${snap.trackingNo} not delivered ${Math.round(TRACKING_LIFETIME_MS / 86_400_000)} days after hand-over (scaled); tracking stops`);
    }

    const news = snap.events.length > 0;
    pollEvery = news ? minPoll : Math.min(pollEvery * 2, maxPoll);
    progress.waitingFor = progress.openTasks.length ? progress.waitingFor : `the next scan of ${snap.trackingNo}`;
    await condition(() => nudged || delayDecision !== undefined, pollEvery);
    nudged = false;
    await checkpoint();
  }

  /** Continue as new once the history reaches its budget, when no task or handler is in flight. */
  async function checkpoint(): Promise<void> {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < historyBudget(policy)) return;
    if (desk.openCount > 0 || delayDecision !== undefined || nudged || !allHandlersFinished()) return;
    if (!patched(CONTINUE_AS_NEW_PATCH)) return; // (a marker only when a run actually continues as new)
    await continueAsNew<typeof shipmentTracking>({
      orderNo,
      shipmentId,
      policy,
      carried: { current, status, cursor, lastScanMs, delayFlagged, pollEvery, seq, startedAtMs, run: run + 1 },
    });
  }
}
