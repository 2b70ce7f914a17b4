import { Router } from 'express';
import type { Db } from '../../db/knex';
import type { ValidationIssue } from '../../domain/types';
import type { PaymentResult } from '../../workflows/order/messages';
import type { TemporalGateway } from '../services/order-intake';
import { deliverPaymentResult } from '../services/payment-webhook';

const ORDER_NO = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;
const KEYS = ['orderNo', 'status', 'reference'];
// Control characters never belong in a provider's reference.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Strict shape of the payment webhook: every problem is reported, unknown fields included. */
export function validatePaymentWebhook(body: unknown): { value?: { orderNo: string } & PaymentResult; issues: ValidationIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { issues: [{ path: '', message: 'body must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const k of Object.keys(b)) if (!KEYS.includes(k)) issues.push({ path: k, message: 'is not a known field' });
  if (b.orderNo === undefined) issues.push({ path: 'orderNo', message: 'is required' });
  else if (typeof b.orderNo !== 'string') issues.push({ path: 'orderNo', message: 'must be a string' });
  else if (!ORDER_NO.test(b.orderNo)) issues.push({ path: 'orderNo', message: 'must be 3–64 letters, digits, - or _' });
  if (b.status === undefined) issues.push({ path: 'status', message: 'is required' });
  else if (b.status !== 'succeeded' && b.status !== 'failed') issues.push({ path: 'status', message: 'must be "succeeded" or "failed"' });
  if (b.reference !== undefined) {
    if (typeof b.reference !== 'string') issues.push({ path: 'reference', message: 'must be a string' });
    else if (b.reference.trim() === '' || b.reference.length > 100) issues.push({ path: 'reference', message: 'must be 1–100 characters' });
    else if (CONTROL.test(b.reference)) issues.push({ path: 'reference', message: 'must not contain control characters' });
  }
  if (issues.length) return { issues };
  const value = { orderNo: b.orderNo as string, status: b.status as PaymentResult['status'], ...(b.reference !== undefined ? { reference: b.reference as string } : {}) };
  return { value, issues };
}

/** P1.3: the payment provider tells BoxFlow how a pending charge ended (web/services/payment-webhook.ts). */
export function webhooksApi(db: Db, temporal: TemporalGateway): Router {
  const r = Router();

  r.post('/webhooks/payment', async (req, res) => {
    const { value, issues } = validatePaymentWebhook(req.body);
    if (!value) {
      res.status(400).json({ error: 'validation_failed', details: issues });
      return;
    }
    const r = await deliverPaymentResult(db, temporal, value);
    if (r.kind === 'accepted') res.status(202).json(r.body);
    else if (r.kind === 'not_found') res.status(404).json({ error: 'not_found', message: r.message });
    else res.status(409).json({ error: r.kind, message: r.message });
  });

  return r;
}
