/**
 * A stand-in for Alipay's OpenAPI v1 gateway (gateway.do), for tests only (never part of the app).
 * It speaks the protocol alipay-sdk's `exec` speaks (read from node_modules/alipay-sdk/dist/commonjs):
 *
 * - Request: POST <gateway>?app_id&method&charset&sign_type&sign&timestamp&version, body
 *   application/x-www-form-urlencoded with biz_content (JSON). The request's RSA2 signature (SHA256
 *   with RSA over every parameter but `sign`, non-empty, sorted by name, `k=v` joined by `&`) is
 *   checked with the test app's public key; a bad one answers 40002 isv.invalid-signature.
 * - Answer: `{"alipay_trade_<x>_response":{…},"sign":"<base64>"}`, the sign being RSA2 over the
 *   inner object's exact JSON text with the test "Alipay" private key (what the SDK's
 *   checkResponseSign verifies).
 * - Methods: alipay.trade.query, alipay.trade.close, alipay.trade.refund, with the documented
 *   sub-codes ACQ.TRADE_NOT_EXIST, ACQ.TRADE_STATUS_ERROR, ACQ.REFUND_AMT_NOT_EQUAL_TOTAL and
 *   ACQ.SYSTEM_ERROR (injected). A refund is done once per (trade, out_request_no): a repeat answers
 *   10000 with fund_change N and refunds nothing more.
 * - The asynchronous notification (trade_status_sync), form-encoded, signed RSA2 over the sorted
 *   fields but sign and sign_type (rsaCheckV1), pushed to a notify URL.
 *
 * The storefront's side (creating the trade, the buyer paying) is the test's: createTrade, buyerPays.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatYuan, parseYuan } from '../../adapters/payments/money';
import type { AlipaySettings } from '../../config/providers';
import type { ProviderPaymentFact } from '../../db/ledger';

type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

interface Trade {
  outTradeNo: string;
  tradeNo: string;
  totalCents: number;
  status: TradeStatus;
  paid: boolean;
  refunds: Map<string, number>;
}

export interface GatewayCall {
  method: string;
  biz: Record<string, string>;
  /** What the stand-in answered (code and sub_code). */
  code: string;
  subCode?: string;
}

export interface AlipayStandIn {
  /** The gateway URL to give BoxFlow (BOXFLOW_ALIPAY_GATEWAY). */
  gateway: string;
  appId: string;
  /** Settings for BoxFlow's adapter: the test app's key pair and the stand-in's public key. */
  settings(overrides?: Partial<AlipaySettings>): AlipaySettings;
  /** The storefront created the trade (precreate / page pay): WAIT_BUYER_PAY. */
  createTrade(outTradeNo: string, total: number): void;
  /** The buyer paid: TRADE_SUCCESS. */
  buyerPays(outTradeNo: string): void;
  trade(outTradeNo: string): Readonly<Trade> | undefined;
  /** Every gateway call received, in order. */
  calls: GatewayCall[];
  /** The next call of `method` answers 40004 with this sub_code (e.g. ACQ.SYSTEM_ERROR) without doing anything. */
  failNext(method: string, subCode: string, code?: string): void;
  /** The next call of `method` is carried out, but its answer leaves after `ms` (past the caller's timeout). */
  delayNext(method: string, ms: number): void;
  /** A trade_status_sync notification for the trade as it stands, signed with the stand-in's key; `changes` are applied after signing (tampering) unless `signAfter`. */
  notification(outTradeNo: string, opts?: { changes?: Record<string, string>; signAfter?: boolean; signWith?: crypto.KeyObject }): Record<string, string>;
  /** POSTs a notification to a notify URL as Alipay does (form-encoded); returns the HTTP status and body. */
  push(notifyUrl: string, fields: Record<string, string>): Promise<{ status: number; body: string }>;
  /** The provider's side of the money, for the ledger (test/support/ledger.ts). */
  ledger(): ProviderPaymentFact[];
  close(): Promise<void>;
}

const pem = (k: crypto.KeyObject, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' } as crypto.KeyExportOptions<'pem'>).toString();

/** Alipay's request signing content: every parameter but sign, non-empty, sorted, k=v&… */
export function signContent(params: Record<string, string>, omit: string[]): string {
  return Object.keys(params)
    .filter((k) => !omit.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export async function startAlipayStandIn(opts: { appId?: string } = {}): Promise<AlipayStandIn> {
  const appId = opts.appId ?? '2021000000000001';
  // The test app's key pair (BoxFlow signs with the private one) and the test "Alipay" pair.
  const app = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const trades = new Map<string, Trade>();
  const calls: GatewayCall[] = [];
  const failures = new Map<string, Array<{ code: string; subCode: string }>>();
  const delays = new Map<string, number[]>();
  let seq = 0;

  const rsa2 = (text: string, key: crypto.KeyObject) => crypto.createSign('RSA-SHA256').update(text, 'utf8').sign(key, 'base64');

  const answer = (res: http.ServerResponse, method: string, inner: Record<string, unknown>, delayMs = 0) => {
    const key = `${method.replace(/\./g, '_')}_response`;
    const json = JSON.stringify(inner);
    const body = `{"${key}":${json},"sign":"${rsa2(json, alipay.privateKey)}"}`;
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      res.end(body);
    };
    // Unref'd: an answer still delayed when the test ends (its caller killed) does not hold the process.
    if (delayMs > 0) setTimeout(send, delayMs).unref();
    else send();
  };

  const business = (subCode: string, subMsg: string) => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg });

  const handle = (method: string, biz: Record<string, string>): Record<string, unknown> => {
    const outTradeNo = biz.out_trade_no ?? '';
    const t = trades.get(outTradeNo);
    switch (method) {
      case 'alipay.trade.query': {
        if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        return { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo, trade_status: t.status, total_amount: formatYuan(t.totalCents), buyer_logon_id: 'tes***@example.com' };
      }
      case 'alipay.trade.close': {
        if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        if (t.status !== 'WAIT_BUYER_PAY') return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        t.status = 'TRADE_CLOSED';
        return { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo };
      }
      case 'alipay.trade.refund': {
        if (!t) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const cents = parseYuan(biz.refund_amount);
        if (cents === undefined || cents <= 0 || !biz.out_request_no) return business('ACQ.INVALID_PARAMETER', '参数无效');
        const refunded = () => [...t.refunds.values()].reduce((a, b) => a + b, 0);
        const done = { code: '10000', msg: 'Success', trade_no: t.tradeNo, out_trade_no: t.outTradeNo, buyer_logon_id: 'tes***@example.com' };
        if (t.refunds.has(biz.out_request_no)) return { ...done, fund_change: 'N', refund_fee: formatYuan(refunded()) };
        if (!t.paid || (t.status !== 'TRADE_SUCCESS' && t.status !== 'TRADE_CLOSED')) return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        if (t.status === 'TRADE_CLOSED' || refunded() + cents > t.totalCents) return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
        t.refunds.set(biz.out_request_no, cents);
        if (refunded() === t.totalCents) t.status = 'TRADE_CLOSED';
        return { ...done, fund_change: 'Y', refund_fee: formatYuan(refunded()) };
      }
      default:
        return { code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.invalid-method', sub_msg: '不存在的方法名' };
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      if (req.method !== 'POST' || url.pathname !== '/gateway.do') {
        res.writeHead(404).end();
        return;
      }
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      const method = params.method ?? '';
      let biz: Record<string, string> = {};
      try {
        biz = params.biz_content ? JSON.parse(params.biz_content) : {};
      } catch {
        biz = {};
      }
      const record = (inner: Record<string, unknown>) => {
        calls.push({ method, biz, code: String(inner.code), ...(inner.sub_code ? { subCode: String(inner.sub_code) } : {}) });
        return inner;
      };
      if (params.app_id !== appId) return answer(res, method, record({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id', sub_msg: '无效的AppID参数' }));
      if (params.sign_type !== 'RSA2') return answer(res, method, record({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature-type', sub_msg: '无效的签名类型' }));
      const good = crypto.createVerify('RSA-SHA256').update(signContent(params, ['sign']), 'utf8').verify(app.publicKey, params.sign ?? '', 'base64');
      if (!good) return answer(res, method, record({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' }));
      const injected = failures.get(method)?.shift();
      const delay = delays.get(method)?.shift() ?? 0;
      if (injected) return answer(res, method, record({ code: injected.code, msg: injected.code === '20000' ? 'Service Currently Unavailable' : 'Business Failed', sub_code: injected.subCode, sub_msg: '系统错误' }), delay);
      answer(res, method, record(handle(method, biz)), delay);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;

  const standIn: AlipayStandIn = {
    gateway,
    appId,
    calls,
    settings: (overrides = {}) => ({
      appId,
      privateKey: pem(app.privateKey, 'pkcs8'),
      privateKeyFile: '(test)',
      alipayPublicKey: pem(alipay.publicKey, 'spki'),
      alipayPublicKeyFile: '(test)',
      gateway,
      timeoutMs: 2000,
      ...overrides,
    }),
    createTrade(outTradeNo, total) {
      const cents = parseYuan(total.toFixed(2));
      if (cents === undefined) throw new Error(`bad total ${total}`);
      trades.set(outTradeNo, { outTradeNo, tradeNo: `2026${String(++seq).padStart(24, '0')}`, totalCents: cents, status: 'WAIT_BUYER_PAY', paid: false, refunds: new Map() });
    },
    buyerPays(outTradeNo) {
      const t = trades.get(outTradeNo);
      if (!t || t.status !== 'WAIT_BUYER_PAY') throw new Error(`trade ${outTradeNo} is not waiting for the buyer (${t?.status})`);
      t.status = 'TRADE_SUCCESS';
      t.paid = true;
    },
    trade: (outTradeNo) => trades.get(outTradeNo),
    failNext(method, subCode, code = '40004') {
      failures.set(method, [...(failures.get(method) ?? []), { code, subCode }]);
    },
    delayNext(method, ms) {
      delays.set(method, [...(delays.get(method) ?? []), ms]);
    },
    notification(outTradeNo, o = {}) {
      const t = trades.get(outTradeNo);
      if (!t) throw new Error(`no trade ${outTradeNo}`);
      const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
      const fields: Record<string, string> = {
        notify_time: now,
        notify_type: 'trade_status_sync',
        notify_id: crypto.randomBytes(16).toString('hex'),
        charset: 'utf-8',
        version: '1.0',
        sign_type: 'RSA2',
        app_id: appId,
        trade_no: t.tradeNo,
        out_trade_no: t.outTradeNo,
        trade_status: t.status,
        total_amount: formatYuan(t.totalCents),
        receipt_amount: formatYuan(t.totalCents),
        buyer_pay_amount: formatYuan(t.totalCents),
        subject: `BoxFlow ${t.outTradeNo}`,
        gmt_create: now,
        ...(t.paid ? { gmt_payment: now } : {}),
      };
      if (o.signAfter) Object.assign(fields, o.changes ?? {});
      fields.sign = rsa2(signContent(fields, ['sign', 'sign_type']), o.signWith ?? alipay.privateKey);
      if (!o.signAfter) Object.assign(fields, o.changes ?? {});
      return fields;
    },
    async push(notifyUrl, fields) {
      const res = await fetch(notifyUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(fields).toString() });
      return { status: res.status, body: await res.text() };
    },
    ledger() {
      const out: ProviderPaymentFact[] = [];
      for (const t of trades.values()) {
        out.push({ orderNo: t.outTradeNo, kind: 'charge', status: t.paid ? 'succeeded' : t.status === 'WAIT_BUYER_PAY' ? 'pending' : 'voided', amount: t.totalCents / 100 });
        for (const cents of t.refunds.values()) out.push({ orderNo: t.outTradeNo, kind: 'refund', status: 'succeeded', amount: cents / 100 });
      }
      return out;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return standIn;
}
