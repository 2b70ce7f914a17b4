import crypto from 'node:crypto';
import type { Kuaidi100Settings } from '../../config/providers';
import { KUAIDI100_COMPANY, KUAIDI100_STATES, KUAIDI100_SUB_STATES, kuaidi100StateName } from '../../domain/kuaidi100';
import { CarrierUnavailableError } from './carrier';
import type { CarrierTracker, RawTrackingEvent } from './tracking';

/**
 * Kuaidi100 (快递100) tracking, by its published enterprise API (api.kuaidi100.com, 实时快递查询 and
 * 快递信息推送 "poll" service, the same calls as Kuaidi100's own demos):
 *
 *   subscribe  POST <base>/poll, form schema=json & param={company, number, key, parameters:
 *              {callbackurl, salt, resultv2, phone}}; answer {result, returnCode, message}: 200 taken,
 *              501 already subscribed (fine).
 *   push       Kuaidi100 POSTs form param (JSON: status, message, lastResult {state, ischeck, com, nu,
 *              data: [...]}) & sign = upper(MD5(param + salt)) to the callback URL; BoxFlow answers
 *              {"result":true,"returnCode":"200","message":"成功"} once it has the events
 *              (web/services/kuaidi100-webhook.ts).
 *   query      POST <base>/poll/query.do, form customer & sign = upper(MD5(param + key + customer)) &
 *              param={com, num, phone, resultv2, show, order}: the poll fallback (what the tracking
 *              workflow pulls when no push came).
 */
export const md5Upper = (s: string) => crypto.createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/** The push callback's sign: upper(MD5(param + salt)). */
export const kuaidi100CallbackSign = (param: string, salt: string) => md5Upper(param + salt);
/** The real-time query's sign: upper(MD5(param + key + customer)). */
export const kuaidi100QuerySign = (param: string, key: string, customer: string) => md5Upper(param + key + customer);

/** Constant-time comparison of two signs (hex, either case). */
export function sameSign(a: string, b: string): boolean {
  const x = Buffer.from(a.toUpperCase());
  const y = Buffer.from(b.toUpperCase());
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export interface Kuaidi100Item {
  context?: string;
  time?: string;
  ftime?: string;
  status?: string;
  statusCode?: string;
  areaName?: string;
  location?: string;
}

/** The tracking result, as the query answers it and as lastResult of a push. */
export interface Kuaidi100Result {
  state?: string | number;
  ischeck?: string;
  com?: string;
  nu?: string;
  data?: Kuaidi100Item[];
}

/** "yyyy-MM-dd HH:mm:ss", Beijing time → ISO 8601. */
export function beijingTimeToIso(t: unknown): string | undefined {
  const m = typeof t === 'string' ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(t.trim()) : null;
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)) - 8 * 3600_000;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const KNOWN_NAMES = new Set([...Object.values(KUAIDI100_STATES), ...Object.values(KUAIDI100_SUB_STATES)]);

/**
 * The events of one Kuaidi100 result, oldest first. Kuaidi100 scans have no id: the event id is the
 * waybill, the scan time and a hash of its text, the same whichever way (push or query) it arrives,
 * so the two are stored once. The newest scan carries the parcel's state; an older one its own
 * status name when Kuaidi100 gives a known one, else "在途" (never delivered by accident).
 */
export function kuaidi100Events(trackingNo: string, result: Kuaidi100Result): RawTrackingEvent[] {
  const items = (Array.isArray(result.data) ? result.data : []).filter((i): i is Kuaidi100Item => typeof i === 'object' && i !== null);
  const dated = items
    .map((item) => ({ item, at: beijingTimeToIso(item.ftime ?? item.time) }))
    .filter((x): x is { item: Kuaidi100Item; at: string } => Boolean(x.at));
  // Newest first, as Kuaidi100 sends it (order=desc); sorted here so an asc answer reads the same.
  dated.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return dated
    .map(({ item, at }, i): RawTrackingEvent => {
      const sub = typeof item.statusCode === 'string' && Object.prototype.hasOwnProperty.call(KUAIDI100_SUB_STATES, item.statusCode) ? item.statusCode : undefined;
      const own = typeof item.status === 'string' && KNOWN_NAMES.has(item.status.trim()) ? item.status.trim() : undefined;
      const rawStatus = i === 0 ? kuaidi100StateName(result.state, sub) : sub ? KUAIDI100_SUB_STATES[sub] : own ?? '在途';
      const text = (v: unknown, max: number) => (typeof v === 'string' ? v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, max) : '');
      const context = text(item.context, 500);
      const id = crypto.createHash('sha256').update(`${at}\n${context}`).digest('hex').slice(0, 16);
      return { eventId: `k100:${trackingNo}:${id}`.slice(0, 100), rawStatus, description: context, location: text(item.areaName, 200) || text(item.location, 200), occurredAt: at };
    })
    .reverse();
}

export type Kuaidi100Tracker = Required<CarrierTracker>;

export function createKuaidi100Tracker(k: Kuaidi100Settings, opts: { fetch?: typeof fetch } = {}): Kuaidi100Tracker {
  const doFetch = opts.fetch ?? fetch;

  async function post(path: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await doFetch(`${k.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(k.timeoutMs),
      });
    } catch (err) {
      throw new CarrierUnavailableError(`Kuaidi100 ${path}: no answer (${(err as Error).name === 'TimeoutError' ? `timeout after ${k.timeoutMs} ms` : (err as Error).message})`);
    }
    if (!res.ok) throw new CarrierUnavailableError(`Kuaidi100 ${path}: HTTP ${res.status}`);
    try {
      return (await res.json()) as Record<string, unknown>;
    } catch {
      throw new CarrierUnavailableError(`Kuaidi100 ${path}: the answer is not JSON`);
    }
  }

  return {
    async subscribe({ carrier, trackingNo, phone, to }) {
      const param = JSON.stringify({
        company: KUAIDI100_COMPANY[carrier],
        number: trackingNo,
        key: k.key,
        ...(to ? { to } : {}),
        parameters: { callbackurl: k.callbackUrl, salt: k.salt, resultv2: '4', ...(phone ? { phone } : {}) },
      });
      const body = await post('/poll', { schema: 'json', param });
      const code = String(body.returnCode ?? '');
      if (code === '200' || code === '501') return; // 501: POLL:重复订阅 (already subscribed)
      throw new CarrierUnavailableError(`Kuaidi100 subscription of ${trackingNo} refused: ${code} ${String(body.message ?? '')}`.trim());
    },

    async track({ carrier, trackingNo, phone }) {
      const param = JSON.stringify({ com: KUAIDI100_COMPANY[carrier], num: trackingNo, ...(phone ? { phone } : {}), resultv2: '4', show: '0', order: 'desc' });
      const body = await post('/poll/query.do', { customer: k.customer, sign: kuaidi100QuerySign(param, k.key, k.customer), param });
      if (String(body.status ?? '') === '200' || Array.isArray(body.data)) return kuaidi100Events(trackingNo, body as Kuaidi100Result);
      // {"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}: nothing scanned yet.
      if (String(body.returnCode ?? '') === '500') return [];
      throw new CarrierUnavailableError(`Kuaidi100 query of ${trackingNo}: ${String(body.returnCode ?? '?')} ${String(body.message ?? '')}`.trim());
    },
  };
}
