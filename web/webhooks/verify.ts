import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export type VerifyOutcome =
  | { ok: true; id: string }
  | { ok: false; error: 'webhook_not_configured' | 'missing_signature' | 'stale_timestamp' | 'bad_signature'; message: string };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Standard Webhooks verification over the raw body with any of the provider's secrets: the three
 * headers present, the timestamp within 5 minutes of now (either way), a `v1` signature matching.
 * (The replay check by `webhook-id` follows, once the body has been found acceptable.)
 */
export function verifySignedWebhook(secrets: string[] | undefined, raw: Buffer | string, headers: IncomingHttpHeaders): VerifyOutcome {
  if (!secrets || secrets.length === 0) return { ok: false, error: 'webhook_not_configured', message: 'no webhook secret is configured for this provider' };
  const h = { 'webhook-id': one(headers['webhook-id']) ?? '', 'webhook-timestamp': one(headers['webhook-timestamp']) ?? '', 'webhook-signature': one(headers['webhook-signature']) ?? '' };
  if (!h['webhook-id'] || !h['webhook-timestamp'] || !h['webhook-signature']) {
    return { ok: false, error: 'missing_signature', message: 'webhook-id, webhook-timestamp and webhook-signature are required (Standard Webhooks)' };
  }
  if (!/^\d{1,12}$/.test(h['webhook-timestamp'])) return { ok: false, error: 'stale_timestamp', message: 'webhook-timestamp must be Unix seconds' };
  if (h['webhook-id'].length > 200) return { ok: false, error: 'bad_signature', message: 'webhook-id is longer than 200 characters' };
  const payload = typeof raw === 'string' ? raw : raw.toString('utf8');
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(payload, h, { jsonParse: false });
      return { ok: true, id: h['webhook-id'] };
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      if (/timestamp/i.test(err.message)) return { ok: false, error: 'stale_timestamp', message: 'webhook-timestamp is missing, malformed or more than 5 minutes away from now' };
    }
  }
  return { ok: false, error: 'bad_signature', message: 'no webhook-signature matches this provider\'s secrets' };
}
