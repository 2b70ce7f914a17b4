import crypto from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import type { AlipaySettings } from '../../config/providers';
import { formatYuan, parseYuan, toCents } from './money';
import type { ChargeRequest, ChargeResult, PaymentProvider, RefundRequest, RefundResult, VoidRequest, VoidResult } from './payment-provider';
import { PaymentProviderUnavailableError } from './payment-provider';

/**
 * Alipay (支付宝) behind the PaymentProvider interface (issue 16, P1.3), with the official
 * `alipay-sdk` (its `exec`, i.e. the OpenAPI v1 gateway `gateway.do`, RSA2 signatures both ways):
 *
 * - The storefront created the trade with out_trade_no = the order number (face-to-face QR, page
 *   or app pay, whichever it uses). `charge` confirms it with `alipay.trade.query`:
 *   WAIT_BUYER_PAY → pending, TRADE_SUCCESS / TRADE_FINISHED → succeeded, TRADE_CLOSED → failed;
 *   ACQ.TRADE_NOT_EXIST (a QR code not scanned yet: Alipay creates the trade when the buyer scans)
 *   → pending. Either way the asynchronous notification (POST /api/webhooks/alipay) tells the end.
 *   A trade whose total differs from the order's is failed (amount_mismatch), never taken as paid.
 * - `void` closes an unpaid trade (`alipay.trade.close`); a trade that is paid meanwhile answers
 *   succeeded (the refund that follows returns it).
 * - `refund` is `alipay.trade.refund` with out_request_no derived from our idempotency key: Alipay
 *   refunds once per (trade, out_request_no) and answers a repeat with the first refund.
 * - The charge's reference is the out_trade_no (stable from the first answer, even before the
 *   buyer scanned); a refund's is its out_request_no.
 * - Amounts go as yuan strings with two decimals, made from integer fen (money.ts).
 *
 * What is "unknown, try again" (PaymentProviderUnavailableError, Temporal retries with the same
 * key): a timeout, an HTTP error, an answer whose signature does not check out, code 20000 or
 * sub_code ACQ.SYSTEM_ERROR. Everything Alipay decided (a refund refused, …) is a result.
 */
export const ALIPAY_GATEWAY_METHODS = { query: 'alipay.trade.query', close: 'alipay.trade.close', refund: 'alipay.trade.refund' } as const;

export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

/** trade_status → what BoxFlow calls the charge; undefined for a status Alipay does not document. */
export function chargeStatusOf(tradeStatus: unknown): ChargeResult['status'] | undefined {
  switch (tradeStatus) {
    case 'WAIT_BUYER_PAY':
      return 'pending';
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return 'succeeded';
    case 'TRADE_CLOSED':
      return 'failed';
    default:
      return undefined;
  }
}

/** An answer of the gateway (the inner `alipay_trade_*_response` object, snake_case). */
export interface AlipayAnswer {
  code: string;
  msg?: string;
  sub_code?: string;
  sub_msg?: string;
  [field: string]: unknown;
}

/** Sub-codes that mean "the outcome is unknown, call again with the same parameters" (Alipay's docs: 重新发起请求). */
const RETRY_SUB_CODES = new Set(['ACQ.SYSTEM_ERROR', 'ACQ.ACCESS_FORBIDDEN_TEMPORARILY', 'aop.ACQ.SYSTEM_ERROR']);

export type AnswerKind = 'ok' | 'retry' | 'business' | 'request';

/**
 * Alipay's public codes (https://opendocs.alipay.com/common/02km9f): 10000 success; 20000 service
 * unavailable (retry); 40004 the business said no (sub_code tells why; ACQ.SYSTEM_ERROR means retry);
 * 40001/40002/40003/40006 our request or app set-up is wrong.
 */
export function classifyAnswer(a: AlipayAnswer): AnswerKind {
  if (a.code === '10000') return 'ok';
  if (a.code === '20000' || (a.sub_code && RETRY_SUB_CODES.has(a.sub_code))) return 'retry';
  if (a.code === '40004') return 'business';
  return 'request';
}

const describe = (a: AlipayAnswer) => `${a.code} ${a.msg ?? ''}${a.sub_code ? ` ${a.sub_code}` : ''}${a.sub_msg ? ` (${a.sub_msg})` : ''}`.trim();

/**
 * out_request_no (Alipay: up to 64 characters, unique per trade) from our idempotency key: the key
 * itself when it fits, else a digest of it, the same for the same key every time.
 */
export function outRequestNoFor(idempotencyKey: string): string {
  if (idempotencyKey.length <= 64 && /^[A-Za-z0-9_:.-]+$/.test(idempotencyKey)) return idempotencyKey;
  return `k_${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 48)}`;
}

/** Our request or Alipay's set-up is wrong (bad app id, bad key, missing permission): a person must fix it. */
export class AlipayRequestRefusedError extends Error {
  override name = 'AlipayRequestRefusedError';
}

export interface AlipayPaymentProvider extends PaymentProvider {
  readonly kind: 'alipay';
  readonly appId: string;
}

export function createAlipaySdk(settings: AlipaySettings): AlipaySdk {
  return new AlipaySdk({
    appId: settings.appId,
    // PEMs normalised by config/providers.ts; the SDK re-wraps the body itself (no trailing newline).
    privateKey: settings.privateKey.trim(),
    keyType: 'PKCS8',
    alipayPublicKey: settings.alipayPublicKey.trim(),
    gateway: settings.gateway,
    timeout: settings.timeoutMs,
    signType: 'RSA2',
    camelcase: false,
  });
}

export function createAlipayPaymentProvider(settings: AlipaySettings, sdk: AlipaySdk = createAlipaySdk(settings)): AlipayPaymentProvider {
  /** One gateway call with the answer's signature checked; transport trouble is "unknown outcome". */
  const call = async (method: string, bizContent: Record<string, unknown>): Promise<AlipayAnswer> => {
    let answer: AlipayAnswer;
    try {
      answer = (await sdk.exec(method, { bizContent }, { validateSign: true })) as unknown as AlipayAnswer;
    } catch (err) {
      throw new PaymentProviderUnavailableError(`Alipay ${method}: ${(err as Error).message}`.slice(0, 500));
    }
    const kind = classifyAnswer(answer);
    if (kind === 'retry') throw new PaymentProviderUnavailableError(`Alipay ${method}: ${describe(answer)}`);
    if (kind === 'request') throw new AlipayRequestRefusedError(`Alipay ${method} refused the request: ${describe(answer)}`);
    return answer;
  };

  const query = (outTradeNo: string) => call(ALIPAY_GATEWAY_METHODS.query, { out_trade_no: outTradeNo });

  return {
    kind: 'alipay',
    appId: settings.appId,

    async charge(req: ChargeRequest): Promise<ChargeResult> {
      const reference = req.orderNo;
      if (req.currency !== 'CNY') return { status: 'failed', reference, reason: `unsupported_currency: Alipay trades are in CNY, the order is in ${req.currency}` };
      const a = await query(req.orderNo);
      if (a.code !== '10000') {
        // Not created yet: a QR code the buyer has not scanned. The notification will come.
        if (a.sub_code === 'ACQ.TRADE_NOT_EXIST') return { status: 'pending', reference };
        return { status: 'failed', reference, reason: `alipay: ${describe(a)}` };
      }
      const status = chargeStatusOf(a.trade_status);
      if (!status) throw new PaymentProviderUnavailableError(`Alipay ${ALIPAY_GATEWAY_METHODS.query}: undocumented trade_status ${String(a.trade_status)}`);
      const total = parseYuan(a.total_amount);
      if (total !== toCents(req.amount)) {
        return { status: 'failed', reference, reason: `amount_mismatch: the Alipay trade ${req.orderNo} is for ${String(a.total_amount)} CNY, the order for ${formatYuan(toCents(req.amount))}` };
      }
      return status === 'failed' ? { status, reference, reason: 'TRADE_CLOSED: the Alipay trade was closed unpaid' } : { status, reference };
    },

    async refund(req: RefundRequest): Promise<RefundResult> {
      const outRequestNo = outRequestNoFor(req.idempotencyKey);
      const cents = toCents(req.amount);
      if (req.currency !== 'CNY' || !(cents > 0)) return { status: 'failed', reference: outRequestNo, reason: `invalid_refund: ${req.amount} ${req.currency}` };
      const a = await call(ALIPAY_GATEWAY_METHODS.refund, {
        out_trade_no: req.chargeReference || req.orderNo,
        refund_amount: formatYuan(cents),
        out_request_no: outRequestNo,
        refund_reason: req.reason.slice(0, 256),
      });
      if (a.code === '10000') return { status: 'succeeded', reference: outRequestNo };
      return { status: 'failed', reference: outRequestNo, reason: `alipay: ${describe(a)}` };
    },

    async void(req: VoidRequest): Promise<VoidResult> {
      const outTradeNo = req.chargeReference || req.orderNo;
      const a = await call(ALIPAY_GATEWAY_METHODS.close, { out_trade_no: outTradeNo });
      if (a.code === '10000') return { status: 'voided', reference: outTradeNo };
      // Never created (the QR code was not scanned): nothing is held; a payment that still comes
      // is refunded by the late-payment settlement (web/services/payment-webhook.ts).
      if (a.sub_code === 'ACQ.TRADE_NOT_EXIST') return { status: 'voided', reference: outTradeNo };
      // Not closable: already paid, or already closed. The trade's status says which.
      const q = await query(outTradeNo);
      const status = q.code === '10000' ? chargeStatusOf(q.trade_status) : undefined;
      if (status === 'succeeded') return { status: 'succeeded', reference: outTradeNo };
      if (status === 'failed') return { status: 'voided', reference: outTradeNo };
      throw new PaymentProviderUnavailableError(`Alipay ${ALIPAY_GATEWAY_METHODS.close}: ${describe(a)}; the trade is ${q.code === '10000' ? String(q.trade_status) : describe(q)}`);
    },
  };
}

export function isAlipayPaymentProvider(p: PaymentProvider): p is AlipayPaymentProvider {
  return (p as Partial<AlipayPaymentProvider>).kind === 'alipay';
}

// ---------------------------------------------------------------------------------------------
// The asynchronous notification (异步通知), form-encoded, POSTed to our notify_url.

export interface AlipayNotice {
  notifyId: string;
  appId: string;
  outTradeNo: string;
  tradeNo: string;
  tradeStatus: AlipayTradeStatus;
  totalCents: number;
}

export type NoticeCheck =
  | { ok: true; notice: AlipayNotice }
  | { ok: false; error: 'bad_signature' | 'wrong_app' | 'invalid'; message: string };

/**
 * Checks a notification's fields (as parsed from the form, values not decoded twice): the RSA2
 * signature with the SDK's checkNotifySignV2 against Alipay's public key, our app_id, and the fields
 * BoxFlow acts on. The amount against the stored charge is the caller's (it reads the database).
 */
export function checkAlipayNotice(sdk: AlipaySdk, appId: string, fields: Record<string, string>): NoticeCheck {
  if (!fields.sign) return { ok: false, error: 'bad_signature', message: 'the notification carries no sign' };
  if (fields.sign_type && fields.sign_type !== 'RSA2') return { ok: false, error: 'bad_signature', message: `sign_type ${fields.sign_type.slice(0, 10)} is not accepted (RSA2 only)` };
  let good = false;
  try {
    good = sdk.checkNotifySignV2(fields);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, error: 'bad_signature', message: "the notification's sign does not verify with Alipay's public key" };
  if (fields.app_id !== appId) return { ok: false, error: 'wrong_app', message: 'the notification is for another app_id' };
  const totalCents = parseYuan(fields.total_amount);
  const tradeStatus = fields.trade_status as AlipayTradeStatus;
  const problems: string[] = [];
  if (!fields.notify_id || fields.notify_id.length > 128) problems.push('notify_id');
  if (!fields.out_trade_no || !/^[A-Za-z0-9_-]{1,64}$/.test(fields.out_trade_no)) problems.push('out_trade_no');
  if (!chargeStatusOf(tradeStatus)) problems.push('trade_status');
  if (totalCents === undefined) problems.push('total_amount');
  if (problems.length) return { ok: false, error: 'invalid', message: `missing or malformed: ${problems.join(', ')}` };
  return { ok: true, notice: { notifyId: fields.notify_id, appId, outTradeNo: fields.out_trade_no, tradeNo: fields.trade_no ?? '', tradeStatus, totalCents: totalCents! } };
}
