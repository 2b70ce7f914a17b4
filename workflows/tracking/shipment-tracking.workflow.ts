import { condition, defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import type { FulfillmentPolicy } from '../../domain/policy';
import { DELAY_THRESHOLD_MS, delayReason, EXPIRE_AFTER_MS, isAddressException, TrackingStatus } from '../../domain/tracking';
import { db, payment } from '../order/activities';
import { trackingUpdatedSignal } from '../order/messages';
import type { OrderProgress } from '../order/state';
import { DeskContext, TaskDesk } from '../order/task-desk';

export interface ShipmentTrackingInput {
  orderNo: string;
  shipmentId: string;
  policy: FulfillmentPolicy;
}

export interface ShipmentTrackingResult {
  /** The shipment tracked last (a replacement when the parcel was resubmitted or reshipped). */
  shipmentId: string;
  outcome: 'delivered' | 'returned_to_sender' | 'refunded' | 'expired';
}

export const trackingProgressQuery = defineQuery<{ shipmentId: string; status: TrackingStatus | null; waitingFor: string | null }>('trackingProgress');

const MIN_POLL_MS = 1000;

/**
 * P2.7 / P3.1 / P3.2: follows one parcel until it ends. Events come from polling the carrier (with
 * back-off while nothing happens) and from its webhook (a signal that says "look now"); both land in
 * tracking_events, deduplicated by the carrier's event id. A late parcel (no scan for longer than the
 * carrier's threshold, or past the promised date) tells the customer and opens a delivery_delayed
 * task; an address exception opens delivery_exception, where "correct and resubmit" books a new
 * shipment and cancels the old waybill.
 */
export async function shipmentTracking({ orderNo, shipmentId, policy }: ShipmentTrackingInput): Promise<ShipmentTrackingResult> {
  const progress: Pick<OrderProgress, 'waitingFor' | 'openTasks'> = { waitingFor: null, openTasks: [] };
  let seq = 0;
  const ctx: DeskContext = { orderNo, policy, progress, nextKey: (what) => `${shipmentId}:${workflowInfo().runId}:${++seq}:${what}` };
  const desk = new TaskDesk(ctx);
  let current = shipmentId;
  let status: TrackingStatus | null = null;
  let nudged = false;
  setHandler(trackingUpdatedSignal, () => {
    nudged = true;
  });
  setHandler(trackingProgressQuery, () => ({ shipmentId: current, status, waitingFor: progress.waitingFor }));

  const scale = policy.timeScale;
  const minPoll = Math.max(MIN_POLL_MS, 30 * 60 * 1000 * scale);
  const maxPoll = Math.max(minPoll, 6 * 60 * 60 * 1000 * scale);
  let pollEvery = minPoll;
  let cursor = 0;
  let lastScanMs = Date.now();
  let delayFlagged = false;
  let delayDecision: string | undefined;

  const finish = async (outcome: ShipmentTrackingResult['outcome'], detail: string): Promise<ShipmentTrackingResult> => {
    await desk.withdrawOpen('delivery_delayed', `tracking ended: ${outcome}`);
    await db.finishShipment({ shipmentId: current, status: outcome, detail });
    return { shipmentId: current, outcome };
  };
  const refundParcel = async (why: string): Promise<ShipmentTrackingResult> => {
    const amount = await db.shipmentValue(current);
    const refund = amount > 0 ? await payment.refundPayment({ orderNo, amount, reason: why, idempotencyKey: `refund:${orderNo}:parcel:${current}` }) : { refunded: false, amount: 0 };
    if (refund.refunded) await db.notifyCustomer({ orderNo, kind: 'refunded', dedupeKey: `refunded:parcel:${current}`, amount: refund.amount });
    return finish('refunded', `P3.2: ${why}; refunded ${refund.amount.toFixed(2)}`);
  };
  const resubmit = async (why: string, shippingAddress?: import('../../domain/types').Address) => {
    await desk.withdrawOpen('delivery_delayed', 'the parcel is being resubmitted');
    const next = await db.rebookShipment({ shipmentId: current, reason: why, shippingAddress });
    await db.notifyCustomer({ orderNo, kind: 'reshipped', dedupeKey: `reshipped:${next.shipmentId}`, carrier: next.carrier, trackingNo: next.trackingNo });
    current = next.shipmentId;
    cursor = 0;
    delayFlagged = false;
    lastScanMs = Date.now();
  };

  for (;;) {
    const snap = await db.pullTrackingEvents({ shipmentId: current, afterRowId: cursor });
    let replaced = false;
    for (const e of snap.events) {
      cursor = e.rowId;
      status = e.status;
      lastScanMs = Math.max(lastScanMs, Date.parse(e.occurredAt));
      if (e.status === 'delivered') {
        await db.notifyCustomer({ orderNo, kind: 'delivered', dedupeKey: `delivered:${current}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
        return finish('delivered', `P3.1: ${snap.carrier} ${snap.trackingNo} delivered`);
      }
      if (e.status === 'returned_to_sender') return finish('returned_to_sender', `P3.3: ${snap.carrier} ${snap.trackingNo} returned to sender: ${e.description ?? ''}`);
      if (e.status === 'exception') {
        await desk.withdrawOpen('delivery_delayed', 'an exception replaced the delay');
        await db.notifyCustomer({ orderNo, kind: 'delivery_problem', dedupeKey: `problem:${current}:${e.rowId}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
        const addressProblem = isAddressException(e.description);
        const { decision, correction } = await desk.askWithCorrection(
          'delivery_exception',
          { shipmentId: current, carrier: snap.carrier, trackingNo: snap.trackingNo, event: e.description, addressProblem },
          `a decision on the exception of ${snap.trackingNo}`,
        );
        if (decision === 'return_to_sender') return finish('returned_to_sender', `P3.2: ${snap.trackingNo} sent back to the warehouse by decision`);
        if (decision === 'refund') return refundParcel(`parcel ${snap.trackingNo} could not be delivered (${e.description ?? 'exception'})`);
        await resubmit(`exception: ${e.description ?? ''}`, correction?.shippingAddress);
        replaced = true;
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
      if (decision === 'notify_customer') await db.notifyCustomer({ orderNo, kind: 'delayed', dedupeKey: `delayed-again:${current}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
    }

    if (!delayFlagged) {
      const why = delayReason({ nowMs: Date.now(), lastScanMs, promisedMs: Date.parse(snap.promisedAt), thresholdMs: DELAY_THRESHOLD_MS[snap.carrier] * scale });
      if (why) {
        delayFlagged = true;
        await db.markShipmentDelayed({ shipmentId: current, reason: why });
        await db.notifyCustomer({ orderNo, kind: 'delayed', dedupeKey: `delayed:${current}`, carrier: snap.carrier, trackingNo: snap.trackingNo });
        void desk.ask('delivery_delayed', { shipmentId: current, carrier: snap.carrier, trackingNo: snap.trackingNo, reason: why }, `a decision on late parcel ${snap.trackingNo}`).then((d) => {
          if (d !== 'withdrawn') delayDecision = d;
        });
      }
    }
    if (Date.now() - lastScanMs > EXPIRE_AFTER_MS * scale) return finish('expired', `P3.1: no news of ${snap.trackingNo} for 30 days (scaled)`);

    const news = snap.events.length > 0;
    pollEvery = news ? minPoll : Math.min(pollEvery * 2, maxPoll);
    progress.waitingFor = progress.openTasks.length ? progress.waitingFor : `the next scan of ${snap.trackingNo}`;
    await condition(() => nudged || delayDecision !== undefined, pollEvery);
    nudged = false;
  }
}
