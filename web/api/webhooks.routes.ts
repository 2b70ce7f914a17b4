import express, { Request, Response, Router } from 'express';
import type { Db } from '../../db/knex';
import { claimWebhookEvent, releaseWebhookEvent } from '../../db/webhook-events';
import type { ValidationIssue } from '../../domain/types';
import type { PaymentResult } from '../../workflows/order/messages';
import type { TemporalGateway } from '../services/order-intake';
import { checkAgainstCharge, deliverPaymentResult } from '../services/payment-webhook';
import { KUAIDI100_OK, receiveKuaidi100Push } from '../services/kuaidi100-webhook';
import { receiveTrackingWebhook } from '../services/tracking-webhook';
import { isWebhookProvider, WebhookSecrets } from '../webhooks/secrets';
import { verifySignedWebhook } from '../webhooks/verify';

const ORDER_NO = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;
const KEYS = ['orderNo', 'status', 'reference', 'amount', 'currency'];
// Control characters never belong in a provider's reference.
const CONTROL = /[\u0000-\u001f\u007f]/;

export type PaymentWebhookBody = { orderNo: string; reference: string; amount: number; currency?: string } & PaymentResult;

/** Strict shape of the payment webhook: every problem is reported, unknown fields included. */
export function validatePaymentWebhook(body: unknown): { value?: PaymentWebhookBody; issues: ValidationIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { issues: [{ path: '', message: 'body must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const k of Object.keys(b)) if (!KEYS.includes(k)) issues.push({ path: k, message: 'is not a known field' });
  if (b.orderNo === undefined) issues.push({ path: 'orderNo', message: 'is required' });
  else if (typeof b.orderNo !== 'string') issues.push({ path: 'orderNo', message: 'must be a string' });
  else if (!ORDER_NO.test(b.orderNo)) issues.push({ path: 'orderNo', message: 'must be 3–64 letters, digits, - or _' });
  if (b.status === undefined) issues.push({ path: 'status', message: 'is required' });
  else if (b.status !== 'succeeded' && b.status !== 'failed') issues.push({ path: 'status', message: 'must be "succeeded" or "failed"' });
  if (b.reference === undefined) issues.push({ path: 'reference', message: 'is required (the provider\'s reference of the charge)' });
  else if (typeof b.reference !== 'string') issues.push({ path: 'reference', message: 'must be a string' });
  else if (b.reference.trim() === '' || b.reference.length > 100) issues.push({ path: 'reference', message: 'must be 1–100 characters' });
  else if (CONTROL.test(b.reference)) issues.push({ path: 'reference', message: 'must not contain control characters' });
  if (b.amount === undefined) issues.push({ path: 'amount', message: 'is required (the charged amount)' });
  else if (typeof b.amount !== 'number' || !Number.isFinite(b.amount) || b.amount < 0 || b.amount > 1e9) issues.push({ path: 'amount', message: 'must be a number from 0 to 1,000,000,000' });
  if (b.currency !== undefined && (typeof b.currency !== 'string' || !/^[A-Z]{3}$/.test(b.currency))) issues.push({ path: 'currency', message: 'must be a 3-letter currency code' });
  if (issues.length) return { issues };
  const value: PaymentWebhookBody = {
    orderNo: b.orderNo as string, status: b.status as PaymentResult['status'], reference: b.reference as string, amount: b.amount as number,
    ...(b.currency !== undefined ? { currency: b.currency as string } : {}),
  };
  return { value, issues };
}

interface Verified {
  provider: string;
  id: string;
  body: unknown;
}

/** Signature, timestamp window and JSON; answers 401/400 itself and returns undefined when refused. */
function verified(req: Request, res: Response, secrets: WebhookSecrets, provider: string): Verified | undefined {
  const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const v = verifySignedWebhook(isWebhookProvider(provider) ? secrets[provider] : undefined, raw, req.headers);
  if (!v.ok) {
    res.status(401).json({ error: v.error, message: v.message });
    return undefined;
  }
  try {
    return { provider, id: v.id, body: JSON.parse(raw.toString('utf8')) };
  } catch {
    res.status(400).json({ error: 'invalid_json', message: 'the body is not valid JSON' });
    return undefined;
  }
}

const replayed = (res: Response, id: string) => res.status(409).json({ error: 'replayed', message: `webhook ${id} was already received` });

/**
 * Inbound webhooks (P1.3 payment results, P3.1 carrier scans). Not behind the API key: each
 * provider signs with its own secret (Standard Webhooks, web/webhooks/). Order of checks, so that a
 * refused message writes nothing: signature and timestamp (401) → body (400) → the charge or the
 * waybill it names (404/409) → its webhook-id not seen before (409 `replayed`) → effect.
 */
export function webhooksApi(db: Db, temporal: TemporalGateway, secrets: WebhookSecrets, kuaidi100Salts: readonly string[] = []): Router {
  const r = Router();
  r.use(express.raw({ type: () => true, limit: '100kb' }));

  r.post('/payment', async (req, res) => {
    const msg = verified(req, res, secrets, 'payment');
    if (!msg) return;
    const { value, issues } = validatePaymentWebhook(msg.body);
    if (!value) return void res.status(400).json({ error: 'validation_failed', details: issues });
    const check = await checkAgainstCharge(db, value);
    if (check.kind === 'not_found') return void res.status(404).json({ error: 'not_found', message: check.message });
    if (check.kind !== 'ok') return void res.status(409).json({ error: check.kind, message: check.message });
    if (!(await claimWebhookEvent(db, msg.provider, msg.id))) return void replayed(res, msg.id);
    const result = await deliverPaymentResult(db, temporal, { orderNo: value.orderNo, status: value.status, reference: value.reference });
    if (result.kind === 'accepted') return void res.status(202).json(result.body);
    await releaseWebhookEvent(db, msg.provider, msg.id); // not taken: the provider's retry must get through
    if (result.kind === 'not_found') res.status(404).json({ error: 'not_found', message: result.message });
    else res.status(409).json({ error: result.kind, message: result.message });
  });

  r.post('/tracking/:carrier', async (req, res) => {
    const provider = req.params.carrier.toLowerCase();
    if (!isWebhookProvider(provider) || provider === 'payment') {
      return void res.status(400).json({ error: 'validation_failed', details: [{ path: 'carrier', message: 'must be one of SF, YTO, DHL, FEDEX' }] });
    }
    const msg = verified(req, res, secrets, provider);
    if (!msg) return;
    const result = await receiveTrackingWebhook(db, temporal, req.params.carrier, msg.body, () => claimWebhookEvent(db, msg.provider, msg.id));
    if (result.kind === 'invalid') return void res.status(400).json({ error: 'validation_failed', details: result.issues });
    if (result.kind === 'not_found') return void res.status(404).json({ error: 'not_found', message: result.message });
    if (result.kind === 'replayed') return void replayed(res, msg.id);
    res.status(202).json(result.body);
  });

  /** Kuaidi100's push (P3.1): its own form and MD5 sign with the shop's salt, answered in its own JSON. */
  r.post('/kuaidi100', async (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await receiveKuaidi100Push(db, temporal, kuaidi100Salts, raw.toString('utf8'));
    if (result.kind === 'refused') return void res.status(result.http).json({ result: false, returnCode: result.returnCode, message: result.message, error: result.error });
    res.status(200).json(KUAIDI100_OK);
  });

  r.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such webhook' });
  });
  return r;
}
