import { defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * What the outside world can tell a running order. The web app sends these; the workflow handles
 * them. Signals are facts that already happened elsewhere; updates are requests the workflow may
 * refuse (their validators run before anything changes).
 */

/** P1.3: the payment provider's webhook result. */
export interface PaymentResult {
  status: 'succeeded' | 'failed';
  reference?: string;
}
export const paymentResultSignal = defineSignal<[PaymentResult]>('paymentResult');

/** P1.10: a restock reserved stock for a back-ordered line (in order of arrival). */
export const backOrderFilledSignal = defineSignal<[{ lineId: number }]>('backOrderFilled');

/**
 * P3.3: a parcel's tracking ended (sent by its shipmentTracking workflow). Tracking runs on its own
 * (it outlives the order's runs when the order continues as new), so it reports back by signal.
 */
export interface ParcelTracked {
  /** The parcel the order handed over (the one its tracking was started for). */
  shipmentId: string;
  /** The parcel tracked last (a replacement when the parcel was resubmitted or reshipped). */
  finalShipmentId: string;
  outcome: 'delivered' | 'returned_to_sender' | 'refunded' | 'expired';
}
export const parcelTrackedSignal = defineSignal<[ParcelTracked]>('parcelTracked');

/** A person's decision on one of the order's open tasks. */
export interface TaskDecision {
  taskId: number;
  /**
   * The task's workflow key (tasks.workflow_key), sent by the API: lets the workflow accept a
   * decision for a task whose row exists but whose id it has not seen yet, and no other.
   */
  taskKey?: string;
  decision: string;
  note?: string;
  decidedBy: string;
  /** Corrected data that goes with the decision, e.g. the address for "correct and resubmit" (P3.2). */
  correction?: { shippingAddress?: import('../../domain/types').Address };
}
export interface TaskDecisionResult {
  taskId: number;
  decision: string;
  decidedBy: string;
}
export const decideTaskUpdate = defineUpdate<TaskDecisionResult, [TaskDecision]>('decideTask');

/** Cancellation before hand-over to the carrier; refused after it (returns take over). */
export interface CancelRequest {
  reason: string;
  requestedBy: string;
}
export const cancelOrderUpdate = defineUpdate<{ accepted: true; status: string }, [CancelRequest]>('cancelOrder');

/** P3.1: new tracking events were stored for this shipment (a carrier webhook): look now, not at the next poll. */
export const trackingUpdatedSignal = defineSignal('trackingUpdated');

/** P3.4: the warehouse received a return's goods and graded each line. */
export interface ReturnReceipt {
  lines: Array<{ sku: string; quantity: number; condition: 'resellable' | 'damaged' }>;
  receivedBy: string;
}
export const returnReceivedSignal = defineSignal<[ReturnReceipt]>('returnReceived');

/**
 * Stations mode (BOXFLOW_WAREHOUSE=stations): what the warehouse floor tells an order. Each is an
 * update whose validator refuses a wrong message with the reason (nothing changes); the answer
 * comes once the workflow has taken the step.
 */
export interface StationAck {
  accepted: true;
  step: 'pick' | 'pack' | 'handover';
  detail: string;
}
/** P1.8 / P1.4: every unit of the pick list picked and scanned (checked) by `by`. */
export interface PickReport {
  by: string;
  units: Array<{ sku: string; quantity: number }>;
  /** P1.4: units found damaged at picking (one entry a unit), with the photo's reference. */
  damaged?: Array<{ sku: string; photo?: string }>;
}
export const stationPickUpdate = defineUpdate<StationAck, [PickReport]>('stationPick');
/** P1.5: a parcel packed in `box` (its code, e.g. BOX-MAILER) and weighed. */
export interface PackReport {
  by: string;
  shipmentId: string;
  box: string;
  weightGrams: number;
}
export const stationPackUpdate = defineUpdate<StationAck, [PackReport]>('stationPack');
/** P2.2: the courier's parcel scanned out at pickup (its waybill number). */
export interface HandOverScan {
  by: string;
  waybillNo: string;
}
export const stationHandOverUpdate = defineUpdate<StationAck, [HandOverScan]>('stationHandOver');
