import type { Address, CarrierCode } from '../../domain/types';

/**
 * What BoxFlow needs from a carrier (P2.3–P2.7). A real integration (SF open platform, YTO, DHL
 * Express, FedEx Ship API) implements this in its own file beside the sandbox one.
 *
 * The contract that keeps bookings exactly-once: `book` is called with an idempotency key (the
 * shipment id); the carrier must return the first waybill for a key it has seen, never a second one.
 * SF refuses a duplicate order id (8016): an adapter maps that to "look the booking up and return it".
 */
export interface BookingRequest {
  idempotencyKey: string;
  orderNo: string;
  shipmentId: string;
  sender: Address;
  recipient: Address;
  weightGrams: number;
  volumeCm3: number;
  declaredValue: number;
  currency: string;
  /** Heavy parcels book a pickup window with the carrier (P2.6). */
  pickupWindow?: { earliest: string; latest: string };
  /** Sandbox steering, honoured only in sandbox mode. */
  sandbox?: { carrier?: 'reject_once' | 'reject_always' | 'vanish_once'; carrierLatencyMs?: number; carrierFailureRate?: number; carrierTimeoutRate?: number };
}

export type BookingResult =
  | { accepted: true; waybillNo: string; labelUrl: string; pickupConfirmed?: boolean }
  | { accepted: false; reason: string };

export interface RateQuote {
  carrier: CarrierCode;
  amount: number;
  currency: string;
}

export interface CarrierAdapter {
  readonly code: CarrierCode;
  quote(req: Pick<BookingRequest, 'recipient' | 'weightGrams' | 'volumeCm3'>): Promise<RateQuote>;
  book(req: BookingRequest): Promise<BookingResult>;
  cancel(idempotencyKey: string): Promise<void>;
}

/** A failure worth retrying (timeout, 5xx). A rejection is not thrown: it is a BookingResult. */
export class CarrierUnavailableError extends Error {
  override name = 'CarrierUnavailableError';
}
