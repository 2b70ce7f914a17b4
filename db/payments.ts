import { fromCents, toCents } from '../adapters/payments/money';
import type { Db } from './knex';
import { isSqlite } from './knex';
import { dbTime, toIso } from './time';

/**
 * P1.3 charges and refunds as BoxFlow records them (table `payments`). One row per idempotency key:
 * the key the provider saw is the row's key, so a retried activity finds its own row again.
 * An order has one charge (key `charge:<orderNo>`) and any number of refunds.
 */
export type PaymentKind = 'charge' | 'refund';
/** voided: a pending charge closed before it was paid (the order was cancelled); nothing is held. */
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'voided';

export interface PaymentRecord {
  id: number;
  orderNo: string;
  kind: PaymentKind;
  idempotencyKey: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  providerRef: string | null;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

function fromRow(r: Record<string, any>): PaymentRecord {
  return {
    id: r.id,
    orderNo: r.order_no,
    kind: r.kind,
    idempotencyKey: r.idempotency_key,
    amount: fromCents(toCents(Number(r.amount))),
    currency: r.currency,
    status: r.status,
    providerRef: r.provider_ref ?? null,
    reason: r.reason ?? null,
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}

const clip = (s: string | null | undefined, n: number) => (s == null ? null : s.slice(0, n));

export const chargeKeyFor = (orderNo: string) => `charge:${orderNo}`;

export async function getPaymentByKey(db: Db, idempotencyKey: string): Promise<PaymentRecord | undefined> {
  const row = await db('payments').where({ idempotency_key: idempotencyKey }).first();
  return row ? fromRow(row) : undefined;
}

/** The order's charge (the first one, should there ever be more). */
export async function getCharge(db: Db, orderNo: string): Promise<PaymentRecord | undefined> {
  const row = await db('payments').where({ order_no: orderNo, kind: 'charge' }).orderBy('id').first();
  return row ? fromRow(row) : undefined;
}

export async function listPayments(db: Db, orderNo: string): Promise<PaymentRecord[]> {
  const rows = await db('payments').where({ order_no: orderNo }).orderBy('id');
  return rows.map(fromRow);
}

/**
 * Compare-and-set from pending: a pending payment takes the given status; a decided one keeps its
 * own. Returns the row as it stands and whether this call changed it.
 */
export async function setPaymentStatus(
  db: Db,
  idempotencyKey: string,
  change: { status: 'succeeded' | 'failed' | 'voided'; providerRef?: string | null; reason?: string | null },
): Promise<{ changed: boolean; payment: PaymentRecord | undefined }> {
  const patch: Record<string, unknown> = { status: change.status, updated_at: dbTime() };
  if (change.reason) patch.reason = clip(change.reason, 500);
  const n = await db('payments').where({ idempotency_key: idempotencyKey, status: 'pending' }).update(patch);
  // Keep the provider's reference from the first answer; fill it only if it was missing.
  if (change.providerRef) {
    await db('payments').where({ idempotency_key: idempotencyKey }).whereNull('provider_ref').update({ provider_ref: clip(change.providerRef, 100) });
  }
  return { changed: n > 0, payment: await getPaymentByKey(db, idempotencyKey) };
}

/**
 * Records the order's charge as the provider answered it. Idempotent by key: a second call finds the
 * first row; if that row is still pending and the provider has decided since, it takes the decision
 * (never the other way round).
 */
export async function recordCharge(
  db: Db,
  c: { orderNo: string; idempotencyKey: string; amount: number; currency: string; status: PaymentStatus; providerRef: string; reason?: string | null },
): Promise<PaymentRecord> {
  const now = dbTime();
  await db('payments')
    .insert({
      order_no: c.orderNo,
      kind: 'charge',
      idempotency_key: c.idempotencyKey,
      amount: fromCents(toCents(c.amount)),
      currency: c.currency,
      status: c.status,
      provider_ref: clip(c.providerRef, 100),
      reason: clip(c.reason, 500),
      created_at: now,
      updated_at: now,
    })
    .onConflict('idempotency_key')
    .ignore();
  if (c.status !== 'pending') await setPaymentStatus(db, c.idempotencyKey, { status: c.status, providerRef: c.providerRef, reason: c.reason });
  const stored = await getPaymentByKey(db, c.idempotencyKey);
  if (!stored) throw new Error(`payment ${c.idempotencyKey} vanished after it was written`);
  return stored;
}

/**
 * A charge BoxFlow voided that the provider then saw paid after all (Alipay: a trade closed while its
 * QR code was not scanned yet, so there was nothing to close, then paid): compare-and-set from
 * voided to succeeded, only on the provider's own word (the caller asked it), so that the refund
 * that follows returns the money.
 */
export async function reviveVoidedCharge(db: Db, idempotencyKey: string): Promise<{ changed: boolean; payment: PaymentRecord | undefined }> {
  const n = await db('payments').where({ idempotency_key: idempotencyKey, kind: 'charge', status: 'voided' }).update({ status: 'succeeded', reason: 'paid after it was voided (confirmed by the provider)', updated_at: dbTime() });
  return { changed: n > 0, payment: await getPaymentByKey(db, idempotencyKey) };
}

/** The order's charge takes a webhook-delivered result: compare-and-set from pending. */
export async function setChargeStatus(
  db: Db,
  orderNo: string,
  change: { status: 'succeeded' | 'failed'; providerRef?: string | null; reason?: string | null },
): Promise<{ changed: boolean; payment: PaymentRecord | undefined }> {
  const charge = await getCharge(db, orderNo);
  if (!charge) return { changed: false, payment: undefined };
  return setPaymentStatus(db, charge.idempotencyKey, change);
}

/** What the order's succeeded refunds returned, rounded to cents. */
export async function sumRefunded(db: Db, orderNo: string): Promise<number> {
  const [{ total }] = await db('payments').where({ order_no: orderNo, kind: 'refund', status: 'succeeded' }).sum({ total: 'amount' });
  return fromCents(toCents(Number(total ?? 0)));
}

/**
 * Writes a refund's intent (status pending) before the provider is asked, idempotent by key: the
 * same key returns its first row, whatever the amounts now. A new refund is capped in the same
 * transaction at what the charge took minus every refund of the order not failed (pending ones
 * included, so two refunds running at once cannot both fit), less keepAmount. Returns undefined, writing nothing,
 * when the order has no succeeded charge or nothing is left to refund.
 */
export async function recordRefund(
  db: Db,
  r: { orderNo: string; idempotencyKey: string; requestedAmount: number; reason: string; keepAmount?: number },
): Promise<PaymentRecord | undefined> {
  const existing = await getPaymentByKey(db, r.idempotencyKey);
  if (existing) return existing;
  return db.transaction(async (trx) => {
    const seen = await trx('payments').where({ idempotency_key: r.idempotencyKey }).first();
    if (seen) return fromRow(seen);
    const chargeQuery = trx('payments').where({ order_no: r.orderNo, kind: 'charge' }).orderBy('id');
    // On PostgreSQL, lock the charge row: refunds of one order are decided one at a time.
    const charge = await (isSqlite(db) ? chargeQuery : chargeQuery.forUpdate()).first();
    if (!charge || charge.status !== 'succeeded') return undefined;
    const [{ total }] = await trx('payments').where({ order_no: r.orderNo, kind: 'refund' }).whereIn('status', ['pending', 'succeeded']).sum({ total: 'amount' });
    // keepAmount: what the customer keeps paying for (the shipped part of a partly cancelled order).
    const left = toCents(Number(charge.amount)) - toCents(Number(total ?? 0)) - toCents(r.keepAmount ?? 0);
    const cents = Math.min(toCents(r.requestedAmount), left);
    if (cents <= 0) return undefined;
    const now = dbTime();
    await trx('payments').insert({
      order_no: r.orderNo,
      kind: 'refund',
      idempotency_key: r.idempotencyKey,
      amount: fromCents(cents),
      currency: charge.currency,
      status: 'pending',
      provider_ref: null,
      reason: clip(r.reason, 500),
      created_at: now,
      updated_at: now,
    });
    return fromRow(await trx('payments').where({ idempotency_key: r.idempotencyKey }).first());
  });
}
