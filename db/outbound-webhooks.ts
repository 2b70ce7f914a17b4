import crypto from 'node:crypto';
import { generateWebhookSecret } from '../adapters/webhooks/standard-webhooks';
import type { WebhookEnvelope, WebhookEventType } from '../domain/outbound-webhooks';
import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

/**
 * Outbound webhooks (issue 13): subscriptions, the event outbox, deliveries and their attempts
 * (migration 031). An event is written by `emitWebhookEvent` inside the transaction of the fact it
 * announces, with one delivery row per live subscription that wants its type; a Temporal workflow
 * per delivery (workflows/webhooks/) sends it until the receiver answers 2xx.
 */

export interface WebhookSubscription {
  id: number;
  name: string;
  url: string;
  eventTypes: WebhookEventType[];
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
  disabledBy: string | null;
  /** While a rotation overlaps: until when the previous secret still signs. */
  previousSecretUntil: string | null;
}

export type DeliveryStatus = 'pending' | 'sending' | 'retrying' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  orderNo: string | null;
  subscriptionId: number;
  subscriptionName: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  redeliveries: number;
  createdAt: string;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastResponse: string | null;
  lastError: string | null;
  deliveredAt: string | null;
}

export interface WebhookAttempt {
  attempt: number;
  at: string;
  statusCode: number | null;
  responseSnippet: string | null;
  error: string | null;
  durationMs: number;
}

const subFromRow = (r: Record<string, any>): WebhookSubscription => ({
  id: Number(r.id),
  name: r.name,
  url: r.url,
  eventTypes: parseJson<WebhookEventType[]>(r.event_types),
  createdAt: toIso(r.created_at)!,
  createdBy: r.created_by,
  disabledAt: toIso(r.disabled_at),
  disabledBy: r.disabled_by ?? null,
  previousSecretUntil: toIso(r.previous_secret_until),
});

/** A new subscription with its own `whsec_` secret, returned once (the page shows it once). */
export async function createSubscription(db: Db, s: { name: string; url: string; eventTypes: WebhookEventType[]; createdBy: string }): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const secret = generateWebhookSecret();
  const [row] = await db('webhook_subscriptions')
    .insert({ name: s.name.slice(0, 100), url: s.url, event_types: JSON.stringify(s.eventTypes), secret, created_at: dbTime(), created_by: s.createdBy.slice(0, 100) })
    .returning('id');
  const id = typeof row === 'object' ? Number(row.id) : Number(row);
  const full = await db('webhook_subscriptions').where({ id }).first();
  return { subscription: subFromRow(full), secret };
}

export async function listSubscriptions(db: Db): Promise<WebhookSubscription[]> {
  return (await db('webhook_subscriptions').orderBy('id')).map(subFromRow);
}

export async function getSubscription(db: Db, id: number): Promise<WebhookSubscription | undefined> {
  const row = await db('webhook_subscriptions').where({ id }).first();
  return row ? subFromRow(row) : undefined;
}

/** How long the previous secret keeps signing after a rotation (receivers switch within this time). */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/**
 * A new signing secret (returned once). The previous one keeps signing beside it for a day: each
 * delivery carries both signatures, so the receiver can switch to the new secret at any time in
 * that window without refusing anything.
 */
export async function rotateSubscriptionSecret(db: Db, id: number, now = Date.now()): Promise<string | undefined> {
  const row = await db('webhook_subscriptions').where({ id }).whereNull('disabled_at').first('secret');
  if (!row) return undefined;
  const secret = generateWebhookSecret();
  const n = await db('webhook_subscriptions').where({ id, secret: row.secret }).update({ secret, previous_secret: row.secret, previous_secret_until: dbTime(now + ROTATION_OVERLAP_MS) });
  return n === 1 ? secret : undefined;
}

/** No new deliveries from now on; deliveries still retrying stop at their next attempt. */
export async function disableSubscription(db: Db, id: number, by: string): Promise<boolean> {
  return (await db('webhook_subscriptions').where({ id }).whereNull('disabled_at').update({ disabled_at: dbTime(), disabled_by: by.slice(0, 100) })) === 1;
}

/**
 * Writes an event to the outbox, once per `sourceKey` (the fact's own idempotency key), with one
 * delivery per live subscription that wants its type. Call it with the transaction that writes the
 * fact, so the event exists exactly when the fact does. Nothing is written when no subscription
 * wants the type. Returns the event id (undefined when nothing wanted it).
 */
export async function emitWebhookEvent(trx: Db, e: { type: WebhookEventType; orderNo?: string; sourceKey: string; data: Record<string, unknown> }): Promise<string | undefined> {
  const subs = (await trx('webhook_subscriptions').whereNull('disabled_at').select('id', 'event_types')).filter((s) => parseJson<string[]>(s.event_types).includes(e.type));
  if (!subs.length) return undefined;
  const now = dbTime();
  const eventId = `evt_${crypto.randomBytes(12).toString('hex')}`;
  const envelope: WebhookEnvelope = { id: eventId, type: e.type, createdAt: now, data: e.data };
  await trx('webhook_outbox')
    .insert({ event_id: eventId, type: e.type, order_no: e.orderNo ?? null, source_key: e.sourceKey.slice(0, 200), payload_json: JSON.stringify(envelope), created_at: now })
    .onConflict('source_key')
    .ignore();
  const row = await trx('webhook_outbox').where({ source_key: e.sourceKey.slice(0, 200) }).first('event_id');
  for (const s of subs) {
    await trx('webhook_deliveries')
      .insert({ id: `dlv_${crypto.randomBytes(12).toString('hex')}`, event_id: row.event_id, subscription_id: s.id, status: 'pending', attempts: 0, redeliveries: 0, created_at: now })
      .onConflict(['event_id', 'subscription_id'])
      .ignore();
  }
  return row.event_id;
}

/** Deliveries whose workflow has not been started yet, oldest first. */
export async function listUndispatched(db: Db, limit = 100): Promise<string[]> {
  return (await db('webhook_deliveries').whereNull('dispatched_at').orderBy('created_at').limit(limit).select('id')).map((r) => r.id);
}

export async function markDispatched(db: Db, id: string): Promise<void> {
  await db('webhook_deliveries').where({ id }).whereNull('dispatched_at').update({ dispatched_at: dbTime() });
}

/** What one attempt needs: the stored body, the subscription's URL and secret. */
export async function deliveryToSend(db: Db, id: string, now = Date.now()): Promise<{ status: DeliveryStatus; eventId: string; body: string; url: string; secrets: string[]; disabled: boolean } | undefined> {
  const row = await db('webhook_deliveries as d')
    .join('webhook_outbox as o', 'o.event_id', 'd.event_id')
    .join('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .where('d.id', id)
    .first('d.status', 'd.event_id', 'o.payload_json', 's.url', 's.secret', 's.previous_secret', 's.previous_secret_until', 's.disabled_at');
  if (!row) return undefined;
  const previousLive = row.previous_secret && row.previous_secret_until && Date.parse(toIso(row.previous_secret_until)!) > now;
  return { status: row.status, eventId: row.event_id, body: row.payload_json, url: row.url, secrets: previousLive ? [row.secret, row.previous_secret] : [row.secret], disabled: Boolean(row.disabled_at) };
}

/**
 * Compare-and-set before an attempt: a delivery that is not delivered (nor failed for good) takes
 * `sending` and its attempt count goes up. Returns the attempt number, or 0 when there is nothing to
 * send (delivered already: the same event is never sent twice except by a redelivery).
 */
export async function claimAttempt(db: Db, id: string): Promise<number> {
  return db.transaction(async (trx) => {
    const n = await trx('webhook_deliveries').where({ id }).whereIn('status', ['pending', 'sending', 'retrying']).update({ status: 'sending', attempts: trx.raw('attempts + 1'), last_attempt_at: dbTime() });
    if (n !== 1) return 0;
    return Number((await trx('webhook_deliveries').where({ id }).first('attempts')).attempts);
  });
}

/** One attempt's outcome: the attempt row and the delivery's last response, in one transaction. */
export async function recordAttempt(
  db: Db,
  a: { deliveryId: string; attempt: number; statusCode?: number; responseSnippet?: string; error?: string; durationMs: number; delivered: boolean },
): Promise<void> {
  const now = dbTime();
  await db.transaction(async (trx) => {
    await trx('webhook_delivery_attempts').insert({
      delivery_id: a.deliveryId,
      attempt: a.attempt,
      at: now,
      status_code: a.statusCode ?? null,
      response_snippet: a.responseSnippet?.slice(0, 500) ?? null,
      error: a.error?.slice(0, 500) ?? null,
      duration_ms: Math.max(0, Math.round(a.durationMs)),
    });
    await trx('webhook_deliveries')
      .where({ id: a.deliveryId, status: 'sending' })
      .update({
        status: a.delivered ? 'delivered' : 'retrying',
        last_status_code: a.statusCode ?? null,
        last_response: a.responseSnippet?.slice(0, 500) ?? null,
        last_error: a.error?.slice(0, 500) ?? null,
        ...(a.delivered ? { delivered_at: now } : {}),
      });
  });
}

/** Retries exhausted (or the subscription disabled): the delivery stays failed until redelivered. */
export async function markDeliveryFailed(db: Db, id: string, reason: string): Promise<void> {
  await db('webhook_deliveries').where({ id }).whereNot('status', 'delivered').update({ status: 'failed', last_error: reason.slice(0, 500) });
}

/**
 * A person asked to send a delivered or failed delivery again (the same event id, so the receiver
 * can tell). Returns the redelivery number, or 0 when the delivery is still being worked on.
 */
export async function resetForRedelivery(db: Db, id: string): Promise<number> {
  return db.transaction(async (trx) => {
    const n = await trx('webhook_deliveries').where({ id }).whereIn('status', ['delivered', 'failed']).update({ status: 'pending', redeliveries: trx.raw('redeliveries + 1') });
    if (n !== 1) return 0;
    return Number((await trx('webhook_deliveries').where({ id }).first('redeliveries')).redeliveries);
  });
}

const deliveryColumns = ['d.*', 'o.type as event_type', 'o.order_no', 's.name as subscription_name', 's.url'];
const deliveryFromRow = (r: Record<string, any>): WebhookDelivery => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  orderNo: r.order_no ?? null,
  subscriptionId: Number(r.subscription_id),
  subscriptionName: r.subscription_name,
  url: r.url,
  status: r.status,
  attempts: Number(r.attempts),
  redeliveries: Number(r.redeliveries),
  createdAt: toIso(r.created_at)!,
  lastAttemptAt: toIso(r.last_attempt_at),
  lastStatusCode: r.last_status_code === null || r.last_status_code === undefined ? null : Number(r.last_status_code),
  lastResponse: r.last_response ?? null,
  lastError: r.last_error ?? null,
  deliveredAt: toIso(r.delivered_at),
});

const deliveries = (db: Db) => db('webhook_deliveries as d').join('webhook_outbox as o', 'o.event_id', 'd.event_id').join('webhook_subscriptions as s', 's.id', 'd.subscription_id');

/** The delivery log, newest first. */
export async function listDeliveries(db: Db, f: { status?: DeliveryStatus; orderNo?: string; limit: number }): Promise<WebhookDelivery[]> {
  const q = deliveries(db).select(deliveryColumns).orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }]).limit(f.limit);
  if (f.status) q.where('d.status', f.status);
  if (f.orderNo) q.where('o.order_no', f.orderNo);
  return (await q).map(deliveryFromRow);
}

export async function getDelivery(db: Db, id: string): Promise<WebhookDelivery | undefined> {
  const row = await deliveries(db).select(deliveryColumns).where('d.id', id).first();
  return row ? deliveryFromRow(row) : undefined;
}

export async function listAttempts(db: Db, deliveryId: string): Promise<WebhookAttempt[]> {
  return (await db('webhook_delivery_attempts').where({ delivery_id: deliveryId }).orderBy('id')).map((r) => ({
    attempt: Number(r.attempt),
    at: toIso(r.at)!,
    statusCode: r.status_code === null || r.status_code === undefined ? null : Number(r.status_code),
    responseSnippet: r.response_snippet ?? null,
    error: r.error ?? null,
    durationMs: Number(r.duration_ms),
  }));
}

/** `order.shipped` for one parcel, with its carrier and waybill (once per shipment). */
export async function emitParcelShipped(trx: Db, shipmentId: string): Promise<string | undefined> {
  const s = await trx('shipments').where({ id: shipmentId }).first('order_no', 'carrier', 'tracking_no', 'shipped_at');
  if (!s) return undefined;
  return emitWebhookEvent(trx, {
    type: 'order.shipped',
    orderNo: s.order_no,
    sourceKey: `shipped:${shipmentId}`,
    data: { orderNo: s.order_no, shipmentId, carrier: s.carrier, waybill: s.tracking_no, shippedAt: toIso(s.shipped_at) },
  });
}

/** Deliveries not yet delivered, by status (pending, sending, retrying, failed): the backlog a shift lead watches. */
export async function countUndeliveredByStatus(db: Db): Promise<Record<Exclude<DeliveryStatus, 'delivered'>, number>> {
  const out = { pending: 0, sending: 0, retrying: 0, failed: 0 };
  const rows = (await db('webhook_deliveries').whereNot('status', 'delivered').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: number | string }>;
  for (const r of rows) if (Object.hasOwn(out, r.status)) out[r.status as keyof typeof out] = Number(r.n);
  return out;
}
