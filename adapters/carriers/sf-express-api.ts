import crypto from 'node:crypto';
import type { SfSettings } from '../../config/providers';
import type { Address } from '../../domain/types';
import type { BookingRequest, BookingResult, CarrierAdapter, RateQuote } from './carrier';
import { CarrierUnavailableError } from './carrier';

/**
 * SF Express (顺丰速运) through SF's open platform (丰桥, "SF-Express API", service /std/service):
 * one form POST per call with partnerID, requestID, serviceCode, timestamp, msgData (the business
 * JSON) and msgDigest = Base64(MD5(URLEncode(msgData + timestamp + checkWord))), URLEncode being
 * Java's URLEncoder.encode(…, "UTF-8"), as SF's signing guide ("数字签名", 简易 MD5 / 标准 MD5) shows.
 *
 *   book    EXP_RECE_CREATE_ORDER with orderId = our shipment id (the idempotency key). SF refuses a
 *           second order with the same id (8016 重复下单): the booking is looked up with
 *           EXP_RECE_SEARCH_ORDER_RESP and its waybill returned, so a retried booking gets the first
 *           waybill. A heavy parcel's pickup window (P2.6) asks for a courier (isDocall=1, sendStartTm).
 *   cancel  EXP_RECE_UPDATE_ORDER with dealType=2 (取消); "already cancelled" and "no such order" are done.
 *
 * Outcomes (P2.3/P2.4): apiResultCode other than A1000 (A1001–A1099: the platform's errors: bad
 * signature, rate limit, the service unreachable), HTTP errors and timeouts throw
 * CarrierUnavailableError, which Temporal retries (a bounded number of times; then the workflow
 * treats the carrier as unavailable and moves on). A1000 with success=false and a business error
 * code is SF's answer about this shipment: "rejected", the next carrier is asked; also a created order
 * that SF says it cannot serve (filterResult 3), which is cancelled with SF first.
 */
export const SF_SERVICE = {
  createOrder: 'EXP_RECE_CREATE_ORDER',
  searchOrder: 'EXP_RECE_SEARCH_ORDER_RESP',
  updateOrder: 'EXP_RECE_UPDATE_ORDER',
} as const;

/** Java's URLEncoder.encode(s, "UTF-8"): space → "+", unreserved only A–Z a–z 0–9 . - * _ */
export function javaUrlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** SF's msgDigest: Base64(MD5(URLEncode(msgData + timestamp + checkWord))). */
export function sfMsgDigest(msgData: string, timestamp: string, checkWord: string): string {
  return crypto.createHash('md5').update(javaUrlEncode(msgData + timestamp + checkWord), 'utf8').digest('base64');
}

/** Business error codes that mean "this order is already gone / was never placed" when cancelling. */
const CANCEL_DONE = new Set(['8037', '8024', '6150', '8018']);

export type SfOutcome = 'ok' | 'duplicate' | 'rejected' | 'retry';

/**
 * How BoxFlow reads an SF answer. apiResultCode is the platform's (A1000 = the call reached SF's
 * service, whatever its business result); errorCode is the business result inside apiResultData.
 */
export function classifySfAnswer(apiResultCode: string | undefined, success: boolean | undefined, errorCode: string | undefined): SfOutcome {
  if (apiResultCode !== 'A1000') return 'retry';
  if (success) return 'ok';
  if (errorCode === '8016') return 'duplicate';
  // A1000 without a business result (an empty or malformed apiResultData): the answer is lost, ask again.
  if (!errorCode) return 'retry';
  return 'rejected';
}

interface SfBusiness {
  success?: boolean;
  errorCode?: string;
  errorMsg?: string;
  msgData?: Record<string, unknown> | null;
}

export interface SfCallResult {
  apiResultCode: string;
  apiErrorMsg: string;
  business: SfBusiness;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** SF's times are Beijing time, "yyyy-MM-dd HH:mm:ss". */
export function sfTime(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function contact(a: Address, contactType: 1 | 2): Record<string, unknown> {
  return {
    contactType,
    contact: a.name,
    mobile: a.phone,
    country: a.country,
    province: a.province ?? '',
    city: a.city,
    address: [a.line1, a.line2].filter(Boolean).join(' '),
    postCode: a.postalCode ?? '',
  };
}

/** The create-order msgData of a booking (exported for the stand-in's tests). */
export function createOrderMsgData(req: BookingRequest, monthlyCard: string | undefined): Record<string, unknown> {
  const kg = Math.max(0.1, Math.round(req.weightGrams / 100) / 10);
  return {
    language: 'zh-CN',
    orderId: req.idempotencyKey,
    ...(monthlyCard ? { monthlyCard, payMethod: 1 } : {}),
    expressTypeId: 1,
    parcelQty: 1,
    totalWeight: kg,
    cargoDetails: [{ name: '潮玩 collectible toys', count: 1, unit: '件', weight: kg, amount: req.declaredValue, currency: req.currency }],
    contactInfoList: [contact(req.sender, 1), contact(req.recipient, 2)],
    customsInfo: {},
    extraInfoList: [],
    remark: `BoxFlow order ${req.orderNo}`,
    ...(req.pickupWindow ? { isDocall: 1, sendStartTm: sfTime(req.pickupWindow.earliest) } : { isDocall: 0 }),
  };
}

function waybillOf(msgData: Record<string, unknown> | null | undefined): string | undefined {
  const list = (msgData?.waybillNoInfoList ?? []) as Array<{ waybillType?: number | string; waybillNo?: string }>;
  const main = list.find((w) => String(w.waybillType ?? '1') === '1') ?? list[0];
  return typeof main?.waybillNo === 'string' && main.waybillNo ? main.waybillNo : undefined;
}

export function createSfExpressCarrier(sf: SfSettings, opts: { fetch?: typeof fetch; now?: () => number } = {}): CarrierAdapter {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;

  async function call(serviceCode: string, msg: Record<string, unknown>): Promise<SfCallResult> {
    const msgData = JSON.stringify(msg);
    const timestamp = String(now());
    const form = new URLSearchParams({
      partnerID: sf.partnerId,
      requestID: crypto.randomUUID(),
      serviceCode,
      timestamp,
      msgData,
      msgDigest: sfMsgDigest(msgData, timestamp, sf.checkWord),
    });
    let res: Response;
    try {
      res = await doFetch(sf.baseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: form.toString(),
        signal: AbortSignal.timeout(sf.timeoutMs),
      });
    } catch (err) {
      throw new CarrierUnavailableError(`SF ${serviceCode}: no answer (${(err as Error).name === 'TimeoutError' ? `timeout after ${sf.timeoutMs} ms` : (err as Error).message})`);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new CarrierUnavailableError(`SF ${serviceCode}: HTTP ${res.status}`);
    let body: { apiResultCode?: string; apiErrorMsg?: string; apiResultData?: string };
    try {
      body = JSON.parse(text);
    } catch {
      throw new CarrierUnavailableError(`SF ${serviceCode}: the answer is not JSON`);
    }
    let business: SfBusiness = {};
    if (typeof body.apiResultData === 'string' && body.apiResultData) {
      try {
        business = JSON.parse(body.apiResultData);
      } catch {
        business = {};
      }
    }
    return { apiResultCode: body.apiResultCode ?? '', apiErrorMsg: body.apiErrorMsg ?? '', business };
  }

  const platformError = (service: string, r: SfCallResult) =>
    new CarrierUnavailableError(`SF ${service}: ${r.apiResultCode || 'no apiResultCode'} ${r.apiErrorMsg}`.trim());

  async function lookUp(orderId: string): Promise<string> {
    const r = await call(SF_SERVICE.searchOrder, { orderId, searchType: '1', language: 'zh-CN' });
    const outcome = classifySfAnswer(r.apiResultCode, r.business.success, r.business.errorCode);
    if (outcome === 'retry') throw platformError(SF_SERVICE.searchOrder, r);
    const waybill = outcome === 'ok' ? waybillOf(r.business.msgData) : undefined;
    if (!waybill) throw new CarrierUnavailableError(`SF ${SF_SERVICE.searchOrder}: order ${orderId} exists (8016) but its waybill could not be read (${r.business.errorCode ?? ''} ${r.business.errorMsg ?? ''})`);
    return waybill;
  }

  async function cancel(orderId: string): Promise<void> {
    const r = await call(SF_SERVICE.updateOrder, { orderId, dealType: 2, language: 'zh-CN' });
    const outcome = classifySfAnswer(r.apiResultCode, r.business.success, r.business.errorCode);
    if (outcome === 'ok') return;
    if (outcome === 'retry') throw platformError(SF_SERVICE.updateOrder, r);
    if (CANCEL_DONE.has(r.business.errorCode ?? '')) return;
    // e.g. the courier has the parcel already: retried by Temporal, then a person sees the failure.
    throw new Error(`SF ${SF_SERVICE.updateOrder}: cancelling ${orderId} refused: ${r.business.errorCode} ${r.business.errorMsg ?? ''}`);
  }

  return {
    code: 'SF',

    // SF's price query (EXP_RECE_QUERY_DELIVERTM) is not used: the shop's contract price table.
    async quote(req): Promise<RateQuote> {
      const kg = Math.max(0.5, req.weightGrams / 1000);
      return { carrier: 'SF', amount: Math.round((12 + 2 * kg) * 100) / 100, currency: 'CNY' };
    },

    async book(req: BookingRequest): Promise<BookingResult> {
      const r = await call(SF_SERVICE.createOrder, createOrderMsgData(req, sf.monthlyCard));
      const outcome = classifySfAnswer(r.apiResultCode, r.business.success, r.business.errorCode);
      if (outcome === 'retry') throw platformError(SF_SERVICE.createOrder, r);
      if (outcome === 'rejected') return { accepted: false, reason: `SF ${r.business.errorCode}: ${r.business.errorMsg ?? 'rejected'}` };
      // A duplicate (a retry of a booking SF has), or created without a waybill in the answer: the lookup by order id reads it.
      const waybillNo = (outcome === 'ok' ? waybillOf(r.business.msgData) : undefined) ?? (await lookUp(req.idempotencyKey));
      if (outcome === 'ok' && String(r.business.msgData?.filterResult ?? '') === '3') {
        await cancel(req.idempotencyKey);
        return { accepted: false, reason: `SF: address not serviceable (filterResult 3${r.business.msgData?.remark ? `: ${String(r.business.msgData.remark)}` : ''}); the order was cancelled with SF` };
      }
      return { accepted: true, waybillNo, labelUrl: `sf://waybill/${waybillNo}`, pickupConfirmed: Boolean(req.pickupWindow) };
    },

    cancel,
  };
}
