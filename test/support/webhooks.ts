/**
 * Signed inbound webhooks for tests: fixed secrets per provider (the harness gives them to the app)
 * and requests signed with the one signer the sandbox and scripts use (adapters/webhooks).
 */
import request from 'supertest';
import type { Express } from 'express';
import { signWebhook } from '../../adapters/webhooks/standard-webhooks';
import type { Db } from '../../db/knex';
import { getCharge } from '../../db/payments';
import type { WebhookSecrets } from '../../web/webhooks/secrets';

const secret = (seed: string) => `whsec_${Buffer.from(`boxflow-test-secret-${seed}`.padEnd(32, '.')).toString('base64')}`;

export const TEST_WEBHOOK_SECRETS: Required<WebhookSecrets> = {
  payment: [secret('payment')],
  sf: [secret('sf')],
  yto: [secret('yto')],
  dhl: [secret('dhl')],
  fedex: [secret('fedex')],
};

/** The provider whose secret signs a webhook path: /api/webhooks/payment → payment, /api/webhooks/tracking/SF → sf. */
export function providerOf(path: string): keyof typeof TEST_WEBHOOK_SECRETS {
  const m = /^\/api\/webhooks\/(?:tracking\/)?([^/?]+)/.exec(path);
  const p = (m?.[1] ?? '').toLowerCase();
  return (p in TEST_WEBHOOK_SECRETS ? p : 'payment') as keyof typeof TEST_WEBHOOK_SECRETS;
}

/** POSTs a body (object → JSON, string as is) to a webhook path, signed with that provider's test secret. */
export function signedPost(app: Express, path: string, body: unknown, opts: { id?: string; timestamp?: Date; secret?: string; contentType?: string } = {}) {
  const signed = signWebhook(opts.secret ?? TEST_WEBHOOK_SECRETS[providerOf(path)][0], body, opts);
  const req = request(app).post(path);
  for (const [k, v] of Object.entries(signed.headers)) req.set(k, v);
  if (opts.contentType) req.set('content-type', opts.contentType);
  return req.send(signed.body);
}

/** The body a payment provider sends for an order's charge, as BoxFlow recorded it (reference and amount). */
export async function paymentResultBody(db: Db, orderNo: string, status: 'succeeded' | 'failed'): Promise<{ orderNo: string; status: 'succeeded' | 'failed'; reference: string; amount: number; currency: string }> {
  const charge = await getCharge(db, orderNo);
  if (!charge?.providerRef) throw new Error(`order ${orderNo} has no recorded charge`);
  return { orderNo, status, reference: charge.providerRef, amount: charge.amount, currency: charge.currency };
}

/** The provider tells BoxFlow how the order's pending charge ended (signed, with the charge's reference and amount). */
export async function sendPaymentResult(h: { app: Express; db: Db }, orderNo: string, status: 'succeeded' | 'failed') {
  return signedPost(h.app, '/api/webhooks/payment', await paymentResultBody(h.db, orderNo, status));
}
