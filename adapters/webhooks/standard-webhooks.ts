import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks scheme (https://www.standardwebhooks.com), BoxFlow's own for inbound
 * webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`, several separated by spaces while a
 * secret is being rotated). Secrets are `whsec_<base64 of 24–64 random bytes>`.
 *
 * This file is the one signer used by the sandbox, the demo and benchmark scripts and the tests.
 */
export interface SignedWebhook {
  body: string;
  headers: { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string; 'content-type': 'application/json' };
}

export function generateWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64')}`;
}

/**
 * Signs a body (an object is serialized as JSON; a string is signed as is) with one or more secrets
 * (each secret adds a `v1,…` signature, as a provider does during a rotation).
 */
export function signWebhook(secrets: string | string[], payload: unknown, opts: { id?: string; timestamp?: Date } = {}): SignedWebhook {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const id = opts.id ?? `msg_${crypto.randomBytes(12).toString('hex')}`;
  const timestamp = opts.timestamp ?? new Date();
  const list = Array.isArray(secrets) ? secrets : [secrets];
  const signature = list.map((s) => new Webhook(s).sign(id, timestamp, body)).join(' ');
  return {
    body,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature, 'content-type': 'application/json' },
  };
}
