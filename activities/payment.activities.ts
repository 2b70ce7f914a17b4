import { ApplicationFailure } from '@temporalio/common';
import { IdempotencyKeyReuseError, PaymentProviderUnavailableError } from '../adapters/payments/payment-provider';
import { isSandboxPaymentProvider } from '../adapters/payments/sandbox-payments';
import { roundToCents } from '../adapters/payments/money';
import { cancellationRequested, shippedValue } from '../db/cancellation';
import { chargeKeyFor, getCharge, getPaymentByKey, PaymentRecord, recordCharge, recordRefund, reviveVoidedCharge, setChargeStatus, setPaymentStatus } from '../db/payments';
import type { SandboxSettings } from '../domain/types';
import { emitWebhookEvent } from '../db/outbound-webhooks';
import { setOrderStatus } from '../db/orders';
import type { StatusWrite } from '../db/order-steps';
import { dispatchWebhookDeliveries } from './webhooks.activities';
import type { ActivityDeps } from './deps';
import { heartbeating, invalidInput, notFound } from './errors';

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

export function createPaymentActivities({ db, payments, settings }: ActivityDeps) {
  const orderForPayment = async (orderNo: string) => {
    const row = await db('orders').where({ order_no: orderNo }).first('order_no', 'total_amount', 'currency', 'payment_token', 'sandbox_json');
    if (!row) throw notFound(`order ${orderNo}`);
    const sandbox: SandboxSettings = settings.sandbox && row.sandbox_json ? JSON.parse(row.sandbox_json) : {};
    return { amount: roundToCents(Number(row.total_amount)), currency: String(row.currency), token: String(row.payment_token), sandbox };
  };

  /**
   * Refunds under a key, at most `requested`, never more than the charge minus refunds minus
   * `keepAmount`: intent written first (amount fixed), then the provider, so a retry after a crash
   * sends the same key and amount and the provider returns the first refund.
   */
  const refund = async (r: { orderNo: string; idempotencyKey: string; requested: number; reason: string; keepAmount?: number }): Promise<{ refunded: boolean; amount: number }> => {
    let row = await recordRefund(db, { orderNo: r.orderNo, idempotencyKey: r.idempotencyKey, requestedAmount: r.requested, reason: r.reason, keepAmount: r.keepAmount });
    if (!row) return { refunded: false, amount: 0 };
    if (row.kind !== 'refund' || row.orderNo !== r.orderNo) {
      throw ApplicationFailure.nonRetryable(`idempotency key ${r.idempotencyKey} belongs to a ${row.kind} of order ${row.orderNo}`, 'IdempotencyKeyReuse');
    }
    if (row.status === 'pending') {
      const charge = await getCharge(db, r.orderNo);
      if (!charge?.providerRef) throw notFound(`the charge reference of order ${r.orderNo} (it has a refund)`);
      const pending = row;
      const result = await callProvider(() =>
        heartbeating(() => payments.refund({ idempotencyKey: r.idempotencyKey, orderNo: r.orderNo, amount: pending.amount, currency: pending.currency, chargeReference: charge.providerRef!, reason: pending.reason ?? '' })),
      );
      const stored = await setPaymentStatus(db, r.idempotencyKey, {
        status: result.status,
        providerRef: result.reference,
        reason: result.status === 'failed' ? `${pending.reason ?? ''} — refused by the provider: ${result.reason ?? 'no reason given'}` : null,
      });
      row = stored.payment ?? row;
    }
    if (row.status !== 'succeeded') return { refunded: false, amount: 0 };
    // Outbound webhooks: once per refund key (a retry after a crash here finds the refund decided and emits then).
    await db.transaction((trx) => emitWebhookEvent(trx, { type: 'refund.succeeded', orderNo: r.orderNo, sourceKey: `refund:${r.idempotencyKey}`, data: { orderNo: r.orderNo, amount: row.amount, currency: row.currency, reason: row.reason ?? null } }));
    await dispatchWebhookDeliveries(db);
    return { refunded: true, amount: row.amount };
  };

  /**
   * A charge still pending on a cancelled order is closed with the provider (Alipay: trade.close), so
   * the customer can no longer pay it; one the provider has meanwhile seen paid is recorded as
   * succeeded (the refund that follows returns it). Idempotent (key `void:<orderNo>`).
   */
  const voidIfPending = async (orderNo: string, reason: string): Promise<PaymentRecord['status'] | 'none'> => {
    const charge = await getCharge(db, orderNo);
    if (!charge) return 'none';
    if (charge.status !== 'pending') return charge.status;
    const result = await callProvider(() => heartbeating(() => payments.void({ idempotencyKey: `void:${orderNo}`, orderNo, chargeReference: charge.providerRef ?? undefined, reason })));
    const stored = await setPaymentStatus(db, charge.idempotencyKey, {
      status: result.status,
      providerRef: result.reference,
      reason: result.status === 'voided' ? `voided: ${reason}` : null,
    });
    return stored.payment?.status ?? result.status;
  };

  /** What is left of a cancelled order's charge goes back, all but the shipped part. */
  const refundUnshipped = async (orderNo: string, reason: string, idempotencyKey: string) =>
    refund({ orderNo, idempotencyKey, requested: (await orderForPayment(orderNo)).amount, reason, keepAmount: await shippedValue(db, orderNo) });

  return {
    /**
     * P1.3: charges the order's total with its payment token, idempotency key `charge:<orderNo>`.
     * pending means the provider decides later: wait for paymentResultSignal, then recordPaymentResult.
     * Retried any number of times, it charges once; once the charge is decided, the stored decision is
     * returned without asking the provider again.
     */
    async requestPayment(input: { orderNo: string; paid?: StatusWrite }): Promise<PaymentRequestResult> {
      const { orderNo } = input;
      const order = await orderForPayment(orderNo);
      const key = chargeKeyFor(orderNo);
      let charge = await getPaymentByKey(db, key);
      if (!charge && (await cancellationRequested(db, orderNo))) {
        // An attempt that arrives after the order's cancellation began (a retry, or one that was
        // still running when the order was cancelled) must not charge at all.
        return { status: 'failed', reference: '', reason: 'the order was cancelled before it was charged' };
      }
      if (!charge || charge.status === 'pending') {
        const result = await callProvider(() =>
          heartbeating(() => payments.charge({ idempotencyKey: key, orderNo, amount: order.amount, currency: order.currency, token: order.token, sandbox: { latencyMs: order.sandbox.paymentLatencyMs } })),
        );
        charge = await recordCharge(db, { orderNo, idempotencyKey: key, amount: order.amount, currency: order.currency, status: result.status, providerRef: result.reference, reason: result.reason });
        if (await cancellationRequested(db, orderNo)) {
          // The charge landed after the cancellation began: its compensation may already have
          // looked for a charge and found none. Undo it here (same keys as the compensation's).
          await voidIfPending(orderNo, 'the order was cancelled while it was being charged');
          await refundUnshipped(orderNo, 'the order was cancelled while it was being charged', `refund:${orderNo}:cancel`);
          charge = (await getPaymentByKey(db, key)) ?? charge;
        }
      }
      // Merged steps (issue 15): a charge that succeeded at once writes `paid` itself (once, by the
      // workflow's dedupe key), unless the order's cancellation has begun.
      if (input.paid && charge.status === 'succeeded' && !(await cancellationRequested(db, orderNo))) {
        await setOrderStatus(db, { orderNo, ...input.paid });
        await dispatchWebhookDeliveries(db);
      }
      return {
        status: charge.status === 'voided' ? 'failed' : charge.status,
        reference: charge.providerRef ?? '',
        ...(charge.reason && (charge.status === 'failed' || charge.status === 'voided') ? { reason: charge.reason } : {}),
      };
    },

    /**
     * P1.3: the webhook's result for a pending charge (after paymentResultSignal). Compare-and-set from
     * pending, so a repeated or late webhook changes nothing. Returns the charge's status as stored,
     * which is the truth to act on (a "failed" webhook for a charge already succeeded stays succeeded).
     */
    async recordPaymentResult(input: PaymentResultInput): Promise<{ status: 'succeeded' | 'failed' | 'pending' | 'voided'; changed: boolean }> {
      const { orderNo, status, reference } = input;
      if (status !== 'succeeded' && status !== 'failed') throw invalidInput(`payment result must be succeeded or failed, got ${String(status)}`);
      await orderForPayment(orderNo);
      const { changed, payment } = await setChargeStatus(db, orderNo, {
        status,
        providerRef: reference ?? null,
        reason: status === 'failed' ? 'payment failed (provider webhook)' : null,
      });
      if (!payment) throw notFound(`a charge of order ${orderNo} to record a result for (call requestPayment first)`);
      if (status === 'succeeded' && payment.status === 'voided') {
        // Voided while the provider had nothing to close yet (Alipay: an unscanned QR code), paid
        // since: on the provider's own answer the charge counts as succeeded, so that the
        // settlement refunds it. The sandbox answers a voided charge as failed: nothing changes.
        const order = await orderForPayment(orderNo);
        const now = await callProvider(() => heartbeating(() => payments.charge({ idempotencyKey: payment.idempotencyKey, orderNo, amount: order.amount, currency: order.currency, token: order.token })));
        if (now.status === 'succeeded') {
          const revived = await reviveVoidedCharge(db, payment.idempotencyKey);
          if (revived.payment) return { status: revived.payment.status, changed: revived.changed };
        }
      }
      // In sandbox mode the webhook stands for the provider's decision: its ledger follows, so that a
      // later refund of this charge is judged against the same state.
      if (isSandboxPaymentProvider(payments) && payment.providerRef && (payment.status === 'succeeded' || payment.status === 'failed')) await payments.settle(payment.providerRef, payment.status);
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
        throw invalidInput('refund idempotencyKey must be 1–150 characters');
      }
      if (typeof input.amount !== 'number' || !Number.isFinite(input.amount) || roundToCents(input.amount) <= 0) {
        throw invalidInput(`refund amount must be a number greater than 0, got ${String(input.amount)}`);
      }
      await orderForPayment(orderNo);
      return refund({ orderNo, idempotencyKey, requested: roundToCents(input.amount), reason: String(reason ?? '') });
    },

    /**
     * Compensation (an order cancelled, or the unshipped rest of it): a pending charge is voided,
     * then everything the customer paid for what did not ship goes back. After it, what the customer
     * paid minus refunds equals what shipped (0 for an order that never shipped).
     */
    async settleCancelledPayment(input: { orderNo: string; reason: string; idempotencyKey: string }): Promise<{ charge: PaymentRecord['status'] | 'none'; refunded: boolean; amount: number }> {
      await orderForPayment(input.orderNo);
      const charge = await voidIfPending(input.orderNo, input.reason);
      const r = await refundUnshipped(input.orderNo, input.reason, input.idempotencyKey);
      return { charge, ...r };
    },
  };
}
