/**
 * What BoxFlow needs from a payment provider (P1.3 confirm payment, refunds for cancellations,
 * stockouts and returns). A live integration implements this in its own file beside the sandbox one.
 *
 * Idempotency contract (as Stripe's `Idempotency-Key`): every call carries an idempotency key.
 * - The provider performs the operation at most once per key. Calling again with a key it has seen
 *   returns the result of the first call (its reference, and its status as it stands now) and never
 *   charges or refunds a second time, whatever happened in between (timeouts, worker crashes,
 *   activity retries).
 * - A key belongs to one operation: reusing it with another kind, order or amount is a programming
 *   error, reported by throwing {@link IdempotencyKeyReuseError} (Stripe answers `idempotency_error`).
 * - A decision (declined card, refund refused) is a result, not an exception. Exceptions mean "the
 *   outcome is unknown, try again with the same key": {@link PaymentProviderUnavailableError} for
 *   timeouts and 5xx answers.
 *
 * Amounts are in major units of the currency (69.00 CNY), rounded to cents.
 */
export interface ChargeRequest {
  idempotencyKey: string;
  orderNo: string;
  amount: number;
  /** ISO 4217, e.g. CNY */
  currency: string;
  /** The provider's payment token from the order (a reference, never card data). */
  token: string;
  /** Sandbox steering (the order's sandbox settings), honoured only by the sandbox provider. */
  sandbox?: { latencyMs?: number };
}

export interface ChargeResult {
  /** pending: the provider decides later and tells BoxFlow by webhook (POST /api/webhooks/payment). */
  status: 'succeeded' | 'failed' | 'pending';
  /** The provider's id for the charge; refunds name it. */
  reference: string;
  /** Why a charge failed, in the provider's words. */
  reason?: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  orderNo: string;
  amount: number;
  currency: string;
  /** ChargeResult.reference of the charge to refund. */
  chargeReference: string;
  reason: string;
}

export interface RefundResult {
  status: 'succeeded' | 'failed';
  reference: string;
  /** Why a refund was refused (failed only). */
  reason?: string;
}

/** Closes a charge that is still pending, so that it can never succeed (an order cancelled before it was paid). */
export interface VoidRequest {
  idempotencyKey: string;
  orderNo: string;
  /**
   * ChargeResult.reference of the pending charge; absent when the charge's answer never reached
   * BoxFlow (a timeout): the provider finds the charge by the order (Alipay: out_trade_no).
   */
  chargeReference?: string;
  reason: string;
}

export interface VoidResult {
  /**
   * voided: the charge is closed and will never be paid; succeeded: too late, the customer had already
   * paid (refund it); failed: the charge had already failed (nothing is held).
   */
  status: 'voided' | 'succeeded' | 'failed';
  reference: string;
}

export interface PaymentProvider {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  refund(req: RefundRequest): Promise<RefundResult>;
  /** Idempotent like the others: voiding a charge twice answers as the first time (Alipay: trade.close). */
  void(req: VoidRequest): Promise<VoidResult>;
}

/** The outcome is unknown (timeout, 5xx): retry with the same idempotency key. */
export class PaymentProviderUnavailableError extends Error {
  override name = 'PaymentProviderUnavailableError';
}

/** An idempotency key was reused for a different operation: a bug, never retried. */
export class IdempotencyKeyReuseError extends Error {
  override name = 'IdempotencyKeyReuseError';
}
