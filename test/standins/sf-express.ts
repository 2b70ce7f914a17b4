/**
 * A stand-in for SF Express's open platform (丰桥 /std/service), for tests only: it speaks the
 * protocol BoxFlow's live adapter (adapters/carriers/sf-express-api.ts) speaks, checks what SF checks
 * and answers as SF documents it, with a few of its documented codes:
 *
 *   A1001 a required form field is missing     A1006 msgDigest does not match (or unknown partnerID)
 *   A1099 a system error (failNext)            8016 重复下单 (an orderId it has seen)
 *   20036 适用产品不满足 (a destination city in `unserviceable`)
 *   8037 订单已消单 / 6150 找不到该订单 on EXP_RECE_UPDATE_ORDER (cancel)
 *
 * It keeps its orders by orderId (idempotent), so a test can count the waybills it really issued.
 * `hangNext(n, ms)`: the next n create-orders are taken but answered only after `ms` (longer than the
 * adapter's timeout), as when SF's answer is lost on the way.
 * The digest here is computed independently of the adapter's code (Java URLEncoder rules written out).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../db/knex';
import type { BookingFacts } from '../../db/ledger';

export interface SfStandInOrder {
  orderId: string;
  waybillNo: string;
  status: 'created' | 'cancelled';
  msgData: Record<string, unknown>;
}

export interface SfStandIn {
  url: string;
  partnerId: string;
  checkWord: string;
  orders: Map<string, SfStandInOrder>;
  /** Every call, in order: serviceCode, orderId and the apiResultCode / errorCode answered. */
  calls: Array<{ serviceCode: string; orderId?: string; apiResultCode: string; errorCode?: string }>;
  unserviceable: Set<string>;
  hangNext(n: number, ms: number): void;
  failNext(n: number, apiResultCode?: string): void;
  close(): Promise<void>;
}

const enc = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9.\-*_]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
export const standInDigest = (msgData: string, timestamp: string, checkWord: string) => crypto.createHash('md5').update(enc(msgData + timestamp + checkWord)).digest('base64');

export async function startSfStandIn(opts: { partnerId?: string; checkWord?: string } = {}): Promise<SfStandIn> {
  const partnerId = opts.partnerId ?? 'BOXFLOW_TEST';
  const checkWord = opts.checkWord ?? crypto.randomBytes(16).toString('hex');
  const orders = new Map<string, SfStandInOrder>();
  const calls: SfStandIn['calls'] = [];
  const unserviceable = new Set<string>();
  let hang = { n: 0, ms: 0 };
  let fail = { n: 0, code: 'A1099' };
  let seq = 0;

  const reply = (res: http.ServerResponse, call: SfStandIn['calls'][number], business?: Record<string, unknown>, delayMs = 0) => {
    calls.push({ ...call, errorCode: business && !business.success ? String(business.errorCode) : undefined });
    const body = JSON.stringify({
      apiResultCode: call.apiResultCode,
      apiErrorMsg: call.apiResultCode === 'A1000' ? '' : call.apiResultCode,
      apiResponseID: crypto.randomUUID().replace(/-/g, '').toUpperCase(),
      ...(business ? { apiResultData: JSON.stringify(business) } : {}),
    });
    const send = () => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(body);
    };
    if (delayMs) setTimeout(send, delayMs).unref();
    else send();
  };
  const err = (errorCode: string, errorMsg: string) => ({ success: false, errorCode, errorMsg, msgData: null });
  const ok = (msgData: Record<string, unknown>) => ({ success: true, errorCode: 'S0000', errorMsg: null, msgData });
  const waybillInfo = (o: SfStandInOrder) => ({ orderId: o.orderId, waybillNoInfoList: [{ waybillType: 1, waybillNo: o.waybillNo }], filterResult: 2, originCode: '021', destCode: '021' });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const serviceCode = form.get('serviceCode') ?? '';
      const need = ['partnerID', 'requestID', 'serviceCode', 'timestamp', 'msgData', 'msgDigest'];
      if (req.method !== 'POST' || !/application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') || need.some((k) => !form.get(k))) {
        return reply(res, { serviceCode, apiResultCode: 'A1001' });
      }
      const msgData = form.get('msgData')!;
      if (form.get('partnerID') !== partnerId || form.get('msgDigest') !== standInDigest(msgData, form.get('timestamp')!, checkWord)) {
        return reply(res, { serviceCode, apiResultCode: 'A1006' });
      }
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(msgData);
      } catch {
        return reply(res, { serviceCode, apiResultCode: 'A1001' });
      }
      const orderId = typeof msg.orderId === 'string' ? msg.orderId : undefined;
      const call = { serviceCode, orderId, apiResultCode: 'A1000' };
      if (fail.n > 0) {
        fail.n--;
        return reply(res, { ...call, apiResultCode: fail.code });
      }
      if (!orderId) return reply(res, call, err('8013', '未传入查询单号'));
      const existing = orders.get(orderId);
      switch (serviceCode) {
        case 'EXP_RECE_CREATE_ORDER': {
          if (existing) return reply(res, call, err('8016', '重复下单'));
          const contacts = (msg.contactInfoList ?? []) as Array<{ contactType?: number; city?: string }>;
          const to = contacts.find((c) => c.contactType === 2);
          if (!to || !contacts.find((c) => c.contactType === 1)) return reply(res, call, err('1014', '到件地址不能为空'));
          if (to.city && unserviceable.has(to.city)) return reply(res, call, err('20036', '适用产品不满足'));
          const order: SfStandInOrder = { orderId, waybillNo: `SF${String(1400000000000 + ++seq * 7919)}`, status: 'created', msgData: msg };
          orders.set(orderId, order);
          if (hang.n > 0) {
            hang.n--;
            return reply(res, call, ok(waybillInfo(order)), hang.ms);
          }
          return reply(res, call, ok(waybillInfo(order)));
        }
        case 'EXP_RECE_SEARCH_ORDER_RESP':
          if (!existing) return reply(res, call, err('6150', '找不到该订单'));
          return reply(res, call, ok(waybillInfo(existing)));
        case 'EXP_RECE_UPDATE_ORDER':
          if (!existing) return reply(res, call, err('6150', '找不到该订单'));
          if (String(msg.dealType) !== '2') return reply(res, call, ok({ orderId, resStatus: 2 }));
          if (existing.status === 'cancelled') return reply(res, call, err('8037', '订单已消单'));
          existing.status = 'cancelled';
          return reply(res, call, ok({ orderId, resStatus: 2, waybillNoInfoList: [{ waybillType: 1, waybillNo: existing.waybillNo }] }));
        default:
          return reply(res, { ...call, apiResultCode: 'A1004' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/std/service`,
    partnerId,
    checkWord,
    orders,
    calls,
    unserviceable,
    hangNext(n, ms) {
      hang = { n, ms };
    },
    failNext(n, code = 'A1099') {
      fail = { n, code };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** SF's order book as the carriers' ledger: one live booking per order id it took and did not cancel. */
export async function sfOrderBook(sf: SfStandIn, db: Db): Promise<BookingFacts[]> {
  const out: BookingFacts[] = [];
  for (const o of sf.orders.values()) {
    const s = await db('shipments').where({ id: o.orderId }).first('order_no');
    out.push({ carrier: 'SF', key: o.orderId, waybillNo: o.waybillNo, orderNo: s?.order_no ?? '?', status: o.status === 'created' ? 'booked' : 'cancelled' });
  }
  return out;
}
