import type { Db } from '../../db/knex';
import { isSqlite } from '../../db/knex';
import { dbTime } from '../../db/time';
import { fromCents, toCents } from './money';
import type { ChargeRequest, ChargeResult, PaymentProvider, RefundRequest, RefundResult, VoidRequest, VoidResult } from './payment-provider';
import { IdempotencyKeyReuseError } from './payment-provider';

/**
 * The payment provider in sandbox mode, with test tokens like a real provider's test mode:
 *
 * | token          | charge                                                              |
 * |----------------|---------------------------------------------------------------------|
 * | `tok_paid`     | succeeded at once                                                   |
 * | `tok_declined` | failed at once (card declined)                                      |
 * | `tok_pending`  | pending; the result comes later by webhook (POST /api/webhooks/payment) |
 * | anything else  | failed, with the reason "unknown sandbox token"                     |
 *
 * It keeps its own ledger (table sandbox_payment_operations), as the real provider would on its side,
 * so that a test can count what was really charged and refunded after crashes and retries. One row
 * per idempotency key: a key seen before returns the first operation, never a second one.
 * References are `sbx_ch_<ledger id>` for charges and `sbx_re_<ledger id>` for refunds.
 *
 * Refunds are refused (status failed) unless the charge exists, has succeeded, and the amount fits
 * in what was charged minus what the order's succeeded refunds already returned.
 */
export const SANDBOX_TOKENS = {
  paid: 'tok_paid',
  declined: 'tok_declined',
  pending: 'tok_pending',
} as const;

export interface SandboxPaymentProvider extends PaymentProvider {
  readonly kind: 'sandbox';
  /**
   * Stands for the provider deciding a pending charge (what its webhook then reports). Compare-and-set
   * from pending: a charge that is already decided keeps its status. Returns the ledger's status.
   */
  settle(chargeReference: string, status: 'succeeded' | 'failed'): Promise<'succeeded' | 'failed' | 'pending' | 'voided' | undefined>;
}

export function isSandboxPaymentProvider(p: PaymentProvider): p is SandboxPaymentProvider {
  return (p as Partial<SandboxPaymentProvider>).kind === 'sandbox';
}

type Status = 'succeeded' | 'failed' | 'pending' | 'voided';
interface LedgerRow {
  id: number;
  idempotency_key: string;
  kind: 'charge' | 'refund';
  order_no: string;
  amount: number | string;
  status: Status;
}

const TABLE = 'sandbox_payment_operations';
const chargeRef = (id: number) => `sbx_ch_${id}`;
const refundRef = (id: number) => `sbx_re_${id}`;

function tokenOutcome(token: string): { status: Status; reason?: string } {
  switch (token) {
    case SANDBOX_TOKENS.paid:
      return { status: 'succeeded' };
    case SANDBOX_TOKENS.pending:
      return { status: 'pending' };
    case SANDBOX_TOKENS.declined:
      return { status: 'failed', reason: 'card_declined: the sandbox token tok_declined always declines' };
    default:
      return { status: 'failed', reason: `unknown sandbox token "${token.slice(0, 40)}" (use tok_paid, tok_declined or tok_pending)` };
  }
}

function checkSameOperation(row: LedgerRow, kind: 'charge' | 'refund', orderNo: string, amountCents: number): void {
  if (row.kind !== kind || row.order_no !== orderNo || toCents(Number(row.amount)) !== amountCents) {
    throw new IdempotencyKeyReuseError(
      `idempotency key ${row.idempotency_key} was first used for a ${row.kind} of ${Number(row.amount).toFixed(2)} on order ${row.order_no}; ` +
        `now for a ${kind} of ${fromCents(amountCents).toFixed(2)} on order ${orderNo}`,
    );
  }
}

export function createSandboxPaymentProvider(db: Db): SandboxPaymentProvider {
  return {
    kind: 'sandbox',

    async charge(req: ChargeRequest): Promise<ChargeResult> {
      // A slow provider (sandbox `paymentLatencyMs`): the request is on its way, the answer not yet.
      if (req.sandbox?.latencyMs) await new Promise((r) => setTimeout(r, Math.min(req.sandbox!.latencyMs!, 60_000)));
      const valid = Number.isFinite(req.amount) && req.amount >= 0;
      const amountCents = valid ? toCents(req.amount) : 0;
      const outcome = valid ? tokenOutcome(req.token) : { status: 'failed' as const, reason: 'invalid_amount: must be a number ≥ 0' };
      // The provider records the charge first; a caller that dies after this point and retries with
      // the same key reads the first charge back below.
      await db(TABLE)
        .insert({
          idempotency_key: req.idempotencyKey,
          kind: 'charge',
          order_no: req.orderNo,
          amount: fromCents(amountCents),
          status: outcome.status,
          created_at: dbTime(),
        })
        .onConflict('idempotency_key')
        .ignore();
      const row: LedgerRow = await db(TABLE).where({ idempotency_key: req.idempotencyKey }).first();
      checkSameOperation(row, 'charge', req.orderNo, amountCents);
      if (row.status === 'voided') return { status: 'failed', reference: chargeRef(row.id), reason: 'voided: the charge was closed before it was paid' };
      const result: ChargeResult = { status: row.status, reference: chargeRef(row.id) };
      if (row.status === 'failed') result.reason = outcome.status === 'failed' ? outcome.reason : 'declined';
      return result;
    },

    async refund(req: RefundRequest): Promise<RefundResult> {
      const amountCents = Number.isFinite(req.amount) ? toCents(req.amount) : 0;
      return db.transaction(async (trx) => {
        const seen: LedgerRow | undefined = await trx(TABLE).where({ idempotency_key: req.idempotencyKey }).first();
        if (seen) {
          checkSameOperation(seen, 'refund', req.orderNo, amountCents);
          return { status: seen.status === 'succeeded' ? 'succeeded' : 'failed', reference: refundRef(seen.id), ...(seen.status === 'succeeded' ? {} : { reason: 'refused' }) };
        }
        const refusal = await (async (): Promise<string | undefined> => {
          if (amountCents <= 0) return 'invalid_amount: a refund must be greater than 0';
          const m = /^sbx_ch_(\d+)$/.exec(req.chargeReference);
          const chargeQuery = trx(TABLE).where({ id: m ? Number(m[1]) : -1, kind: 'charge' });
          // On PostgreSQL, lock the charge so two refunds of one order cannot both fit.
          const charge: LedgerRow | undefined = await (isSqlite(db) ? chargeQuery : chargeQuery.forUpdate()).first();
          if (!charge || charge.order_no !== req.orderNo) return `no_such_charge: ${req.chargeReference} is not a charge of order ${req.orderNo}`;
          if (charge.status !== 'succeeded') return `charge_not_succeeded: charge ${req.chargeReference} is ${charge.status}`;
          const [{ refunded }] = await trx(TABLE).where({ kind: 'refund', order_no: req.orderNo, status: 'succeeded' }).sum({ refunded: 'amount' });
          const left = toCents(Number(charge.amount)) - toCents(Number(refunded ?? 0));
          if (amountCents > left) return `amount_too_large: ${fromCents(amountCents).toFixed(2)} asked, ${fromCents(left).toFixed(2)} left to refund`;
          return undefined;
        })();
        await trx(TABLE).insert({
          idempotency_key: req.idempotencyKey,
          kind: 'refund',
          order_no: req.orderNo,
          amount: fromCents(amountCents),
          status: refusal ? 'failed' : 'succeeded',
          created_at: dbTime(),
        })
          .onConflict('idempotency_key')
          .ignore();
        const stored: LedgerRow = await trx(TABLE).where({ idempotency_key: req.idempotencyKey }).first();
        checkSameOperation(stored, 'refund', req.orderNo, amountCents);
        return stored.status === 'succeeded'
          ? { status: 'succeeded', reference: refundRef(stored.id) }
          : { status: 'failed', reference: refundRef(stored.id), reason: refusal ?? 'refused' };
      });
    },

    /**
     * Closes a pending charge (compare-and-set from pending), so that the customer can no longer pay
     * it and a later settle() finds it closed. A charge already decided answers with its decision.
     */
    async void(req: VoidRequest): Promise<VoidResult> {
      const m = /^sbx_ch_(\d+)$/.exec(req.chargeReference ?? '');
      const byOrder: LedgerRow | undefined = m ? undefined : await db(TABLE).where({ order_no: req.orderNo, kind: 'charge' }).orderBy('id').first();
      const id = m ? Number(m[1]) : byOrder?.id ?? -1;
      await db(TABLE).where({ id, kind: 'charge', order_no: req.orderNo, status: 'pending' }).update({ status: 'voided' });
      const row: LedgerRow | undefined = await db(TABLE).where({ id, kind: 'charge' }).first();
      if (!row || row.order_no !== req.orderNo) return { status: 'failed', reference: req.chargeReference ?? '' };
      return { status: row.status === 'pending' ? 'voided' : row.status, reference: chargeRef(row.id) } as VoidResult;
    },

    async settle(chargeReference, status) {
      const m = /^sbx_ch_(\d+)$/.exec(chargeReference);
      if (!m) return undefined;
      await db(TABLE).where({ id: Number(m[1]), kind: 'charge', status: 'pending' }).update({ status });
      const row: LedgerRow | undefined = await db(TABLE).where({ id: Number(m[1]), kind: 'charge' }).first();
      return row?.status;
    },
  };
}
