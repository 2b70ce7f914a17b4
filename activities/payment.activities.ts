import { ApplicationFailure } from '@temporalio/common';
import { IdempotencyKeyReuseError, PaymentProviderUnavailableError } from '../adapters/payments/payment-provider';
import { isSandboxPaymentProvider } from '../adapters/payments/sandbox-payments';
import { roundToCents } from '../adapters/payments/money';
import { chargeKeyFor, getCharge, getPaymentByKey, recordCharge, recordRefund, setChargeStatus, setPaymentStatus } from '../db/payments';
import type { ActivityDeps } from './deps';

export interface PaymentRequestResult {
  status: 'succeeded' | 'failed' | 'pending';
  reference: string;
  reason?: string;
}

export interface PaymentResultInput {
  orderNo: string;
  status: 'succeeded' | 'failed';
  reference?: string;
}

export interface RefundInput {
  orderNo: string;
  /** Major units; rounded to cents, capped at what is left to refund. */
  amount: number;
  reason: string;
  /** From the workflow (e.g. `refund:<orderNo>:cancel`): the same key refunds once, ever. */
  idempotencyKey: string;
}

/** The provider's way of saying "unknown outcome, try again" becomes a retryable failure; a reused key is a bug. */
async function callProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof IdempotencyKeyReuseError) throw ApplicationFailure.nonRetryable(err.message, 'IdempotencyKeyReuse');
    if (err instanceof PaymentProviderUnavailableError) throw ApplicationFailure.retryable(err.message, 'PaymentProviderUnavailable');
    throw err;
  }
}

export function createPaymentActivities({ db, payments }: ActivityDeps) {
  const orderForPayment = async (orderNo: string) => {
    const row = await db('orders').where({ order_no: orderNo }).first('order_no', 'total_amount', 'currency', 'payment_token');
    if (!row) throw ApplicationFailure.nonRetryable(`order ${orderNo} is not in the database`, 'OrderNotFound');
    return { amount: roundToCents(Number(row.total_amount)), currency: String(row.currency), token: String(row.payment_token) };
  };

  return {
    /**
     * P1.3: charges the order's total with its payment token, idempotency key `charge:<orderNo>`.
     * pending means the provider decides later: wait for paymentResultSignal, then recordPaymentResult.
     * Retried any number of times, it charges once; once the charge is decided, the stored decision is
     * returned without asking the provider again.
     */
    async requestPayment(input: { orderNo: string }): Promise<PaymentRequestResult> {
      const { orderNo } = input;
      const order = await orderForPayment(orderNo);
      const key = chargeKeyFor(orderNo);
      let charge = await getPaymentByKey(db, key);
      if (!charge || charge.status === 'pending') {
        const result = await callProvider(() => payments.charge({ idempotencyKey: key, orderNo, amount: order.amount, currency: order.currency, token: order.token }));
        charge = await recordCharge(db, { orderNo, idempotencyKey: key, amount: order.amount, currency: order.currency, status: result.status, providerRef: result.reference, reason: result.reason });
      }
      return {
        status: charge.status,
        reference: charge.providerRef ?? '',
        ...(charge.reason && charge.status === 'failed' ? { reason: charge.reason } : {}),
      };
    },

    /**
     * P1.3: the webhook's result for a pending charge (after paymentResultSignal). Compare-and-set from
     * pending, so a repeated or late webhook changes nothing. Returns the charge's status as stored,
     * which is the truth to act on (a "failed" webhook for a charge already succeeded stays succeeded).
     */
    async recordPaymentResult(input: PaymentResultInput): Promise<{ status: 'succeeded' | 'failed' | 'pending'; changed: boolean }> {
      const { orderNo, status, reference } = input;
      if (status !== 'succeeded' && status !== 'failed') throw ApplicationFailure.nonRetryable(`payment result must be succeeded or failed, got ${String(status)}`, 'InvalidPaymentResult');
      await orderForPayment(orderNo);
      const { changed, payment } = await setChargeStatus(db, orderNo, {
        status,
        providerRef: reference ?? null,
        reason: status === 'failed' ? 'payment failed (provider webhook)' : null,
      });
      if (!payment) throw ApplicationFailure.nonRetryable(`order ${orderNo} has no charge to record a result for; call requestPayment first`, 'ChargeNotFound');
      // In sandbox mode the webhook stands for the provider's decision: its ledger follows, so that a
      // later refund of this charge is judged against the same state.
      if (isSandboxPaymentProvider(payments) && payment.providerRef && payment.status !== 'pending') await payments.settle(payment.providerRef, payment.status);
      return { status: payment.status, changed };
    },

    /**
     * Refunds part or all of the order's charge (cancellation, stockout, return). Refunds only a
     * succeeded charge, never more than charged minus already refunded (the amount is capped, not
     * refused), and the same idempotency key always gives the same refund, never a second one.
     * `refunded: false, amount: 0` when there is nothing to refund (no succeeded charge yet, nothing
     * left) or the provider refused; nothing is written then, except a refusal.
     */
    async refundPayment(input: RefundInput): Promise<{ refunded: boolean; amount: number }> {
      const { orderNo, reason, idempotencyKey } = input;
      if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 150) {
        throw ApplicationFailure.nonRetryable('refund idempotencyKey must be 1–150 characters', 'InvalidRefundRequest');
      }
      if (typeof input.amount !== 'number' || !Number.isFinite(input.amount) || roundToCents(input.amount) <= 0) {
        throw ApplicationFailure.nonRetryable(`refund amount must be a number greater than 0, got ${String(input.amount)}`, 'InvalidRefundRequest');
      }
      await orderForPayment(orderNo);

      let refund = await recordRefund(db, { orderNo, idempotencyKey, requestedAmount: roundToCents(input.amount), reason: String(reason ?? '') });
      if (!refund) return { refunded: false, amount: 0 };
      if (refund.kind !== 'refund' || refund.orderNo !== orderNo) {
        throw ApplicationFailure.nonRetryable(`idempotency key ${idempotencyKey} belongs to a ${refund.kind} of order ${refund.orderNo}`, 'IdempotencyKeyReuse');
      }
      if (refund.status === 'pending') {
        // Intent written first (amount fixed), then the provider: a retry after a crash sends the same
        // key with the same amount, and the provider returns the first refund.
        const charge = await getCharge(db, orderNo);
        if (!charge?.providerRef) throw ApplicationFailure.nonRetryable(`order ${orderNo} has a refund but no charge reference`, 'ChargeNotFound');
        const pending = refund;
        const result = await callProvider(() =>
          payments.refund({ idempotencyKey, orderNo, amount: pending.amount, currency: pending.currency, chargeReference: charge.providerRef!, reason: pending.reason ?? '' }),
        );
        const stored = await setPaymentStatus(db, idempotencyKey, {
          status: result.status,
          providerRef: result.reference,
          reason: result.status === 'failed' ? `${pending.reason ?? ''} — refused by the provider: ${result.reason ?? 'no reason given'}` : null,
        });
        refund = stored.payment ?? refund;
      }
      return refund.status === 'succeeded' ? { refunded: true, amount: refund.amount } : { refunded: false, amount: 0 };
    },
  };
}
