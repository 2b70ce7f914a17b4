/**
 * Outbound webhooks (issue 13): the event types a subscription can ask for, the rule for the URL it
 * may name, and the small pure pieces of delivery (which answers count as delivered, what of an
 * answer is kept). Pure: no Node imports, no clock.
 */

export const WEBHOOK_EVENT_TYPES = ['order.status_changed', 'order.shipped', 'order.delivered', 'order.delayed', 'return.received', 'refund.succeeded'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(s: string): s is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(s);
}

/** The delivery workflow's type and id: one workflow per delivery, `-r<n>` for the n-th redelivery. */
export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDelivery';
export function deliveryWorkflowId(deliveryId: string, redelivery = 0): string {
  return `webhook-${deliveryId}${redelivery > 0 ? `-r${redelivery}` : ''}`;
}

/** What the receiver gets as the body (the same bytes on every attempt and redelivery). */
export interface WebhookEnvelope {
  /** The event id: also the `webhook-id` header, so the receiver can drop a repeat. */
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: Record<string, unknown>;
}

/** Only 2xx is delivered; anything else (3xx included: redirects are not followed) is retried. */
export function isDelivered(statusCode: number | undefined): boolean {
  return statusCode !== undefined && statusCode >= 200 && statusCode < 300;
}

/** The part of a receiver's answer kept per attempt: one line, at most `max` characters. */
export function responseSnippet(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Whether an IP address (v4, or v6 including v4-mapped) is one a webhook must not reach from a
 * production server: loopback, private (RFC 1918, fc00::/7), link-local (the cloud metadata
 * address 169.254.169.254 among them), carrier-grade NAT, unspecified, multicast and reserved.
 */
export function isPrivateAddress(ip: string): boolean {
  const addr = ip.trim().toLowerCase().replace(/^\[|\]$/g, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || a >= 224 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 192 && b === 0 && Number(v4[3]) === 0) || (a === 198 && (b === 18 || b === 19));
  }
  if (!addr.includes(':')) return false;
  const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(addr) ?? /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(addr);
  if (mapped) return isPrivateAddress(mapped[1]);
  const mappedHex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(addr);
  if (mappedHex) {
    const [hi, lo] = [Number.parseInt(mappedHex[1], 16), Number.parseInt(mappedHex[2], 16)];
    return isPrivateAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (addr === '::' || addr === '::1' || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(addr)) return true;
  const first = Number.parseInt(addr.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 /* fc00::/7 unique local */ || (first & 0xffc0) === 0xfe80 /* fe80::/10 link-local */ || (first & 0xff00) === 0xff00 /* multicast */;
}

export type UrlVerdict = { ok: true; url: string; host: string } | { ok: false; reason: 'invalid' | 'scheme' | 'credentials' | 'private' };

/**
 * A subscription's URL: absolute http(s), no user:password in it, at most 2,000 characters; unless
 * private targets are allowed (BOXFLOW_WEBHOOK_ALLOW_PRIVATE=1: development and tests), not
 * `localhost` nor a literal private address. Host names are resolved and checked again at each
 * delivery (activities/webhooks.activities.ts).
 */
export function checkWebhookUrl(raw: string, opts: { allowPrivate: boolean }): UrlVerdict {
  if (typeof raw !== 'string' || raw.length > 2000) return { ok: false, reason: 'invalid' };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'scheme' };
  if (url.username || url.password) return { ok: false, reason: 'credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) return { ok: false, reason: 'invalid' };
  if (!opts.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))) return { ok: false, reason: 'private' };
  return { ok: true, url: url.toString(), host };
}
