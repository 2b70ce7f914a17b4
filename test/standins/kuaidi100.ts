/**
 * A stand-in for Kuaidi100's poll service, for tests only, speaking what BoxFlow's tracker
 * (adapters/carriers/kuaidi100.ts) speaks, as Kuaidi100 documents it:
 *
 *   POST /poll            form schema=json & param={company, number, key, parameters:{callbackurl, salt, …}}
 *                         → {result, returnCode, message}: 200 提交成功, 501 POLL:重复订阅,
 *                           600 您不是合法的订阅者 (wrong key), 700 不支持的快递公司 / missing number
 *   POST /poll/query.do   form customer & sign=upper(MD5(param+key+customer)) & param={com, num, …}
 *                         → the tracking result {message:"ok", status:"200", state, ischeck, com, nu, data[newest first]},
 *                           or {result:false, returnCode:"500", message:"查询无结果…"} before the first scan,
 *                           503 验证签名失败 (bad sign or customer)
 *   push(nu)              POSTs form param={status, billstatus, message, lastResult} & sign=upper(MD5(param+salt))
 *                         to the subscription's callbackurl (salt: the subscription's, or a wrong one to test refusal)
 *
 * MD5 and the form are computed here independently of the adapter's helpers.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInScan {
  time: string;
  context: string;
  state: string;
  statusCode?: string;
  areaName?: string;
}

export interface Kuaidi100StandIn {
  url: string;
  key: string;
  customer: string;
  subscriptions: Map<string, { company: string; callbackurl: string; salt: string | undefined }>;
  calls: Array<{ path: string; returnCode: string }>;
  /** Adds a scan (the parcel's state becomes the scan's). */
  scan(nu: string, scan: StandInScan): void;
  /** Pushes the waybill's whole history to its callback, signed with its salt (or `salt`); the callback's answer. */
  push(nu: string, opts?: { salt?: string; tamper?: (param: string) => string }): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const STATE_NAMES: Record<string, string> = { 0: '在途', 1: '揽收', 2: '疑难', 3: '签收', 4: '退签', 5: '派件', 6: '退回', 7: '转投', 8: '清关', 10: '待清关', 11: '清关中', 12: '已清关', 13: '清关异常', 14: '拒签' };
const md5 = (s: string) => crypto.createHash('md5').update(Buffer.from(s, 'utf8')).digest('hex').toUpperCase();

export async function startKuaidi100StandIn(opts: { key?: string; customer?: string } = {}): Promise<Kuaidi100StandIn> {
  const key = opts.key ?? `k${crypto.randomBytes(8).toString('hex')}`;
  const customer = opts.customer ?? crypto.randomBytes(16).toString('hex').toUpperCase();
  const subscriptions: Kuaidi100StandIn['subscriptions'] = new Map();
  const scans = new Map<string, StandInScan[]>();
  const companies = new Map<string, string>();
  const calls: Kuaidi100StandIn['calls'] = [];

  const result = (nu: string) => {
    const list = [...(scans.get(nu) ?? [])].reverse(); // newest first (order=desc)
    const state = list[0]?.state ?? '0';
    return {
      message: 'ok', status: '200', state, ischeck: state === '3' ? '1' : '0', condition: '00', com: companies.get(nu) ?? subscriptions.get(nu)?.company ?? '', nu,
      // With resultv2 each scan carries its own status name (and, with resultv2=4, its status code).
      data: list.map((s) => ({ time: s.time, ftime: s.time, context: s.context, status: STATE_NAMES[s.state] ?? '在途', statusCode: s.statusCode ?? s.state, ...(s.areaName ? { areaName: s.areaName } : {}) })),
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const path = (req.url ?? '').split('?')[0];
      const answer = (body: Record<string, unknown>) => {
        calls.push({ path, returnCode: String(body.returnCode ?? body.status ?? '') });
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
      };
      let param: Record<string, unknown> = {};
      try {
        param = JSON.parse(form.get('param') ?? '');
      } catch {
        return answer({ result: false, returnCode: '400', message: '提交的数据不完整' });
      }
      if (req.method === 'POST' && path === '/poll') {
        if (param.key !== key) return answer({ result: false, returnCode: '600', message: '您不是合法的订阅者（即授权Key出错）' });
        const nu = typeof param.number === 'string' ? param.number : '';
        const company = typeof param.company === 'string' ? param.company : '';
        if (!nu || !company) return answer({ result: false, returnCode: '700', message: '不支持的快递公司' });
        if (subscriptions.has(nu)) return answer({ result: false, returnCode: '501', message: 'POLL:重复订阅' });
        const p = (param.parameters ?? {}) as { callbackurl?: string; salt?: string };
        if (!p.callbackurl) return answer({ result: false, returnCode: '400', message: '提交的数据不完整' });
        subscriptions.set(nu, { company, callbackurl: p.callbackurl, salt: p.salt });
        companies.set(nu, company);
        return answer({ result: true, returnCode: '200', message: '提交成功' });
      }
      if (req.method === 'POST' && path === '/poll/query.do') {
        if (form.get('customer') !== customer || form.get('sign') !== md5(`${form.get('param')}${key}${customer}`)) {
          return answer({ result: false, returnCode: '503', message: '验证签名失败' });
        }
        const nu = typeof param.num === 'string' ? param.num : '';
        if (typeof param.com === 'string') companies.set(nu, param.com);
        if (!scans.get(nu)?.length) return answer({ result: false, returnCode: '500', message: '查询无结果，请隔段时间再查' });
        return answer(result(nu));
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    key,
    customer,
    subscriptions,
    calls,
    scan(nu, s) {
      scans.set(nu, [...(scans.get(nu) ?? []), s]);
    },
    async push(nu, o = {}) {
      const sub = subscriptions.get(nu);
      if (!sub) throw new Error(`stand-in: ${nu} is not subscribed`);
      const last = result(nu);
      let param = JSON.stringify({ status: last.state === '3' ? 'shutdown' : 'polling', billstatus: 'got', message: '', autoCheck: '0', comOld: '', comNew: '', lastResult: last });
      const sign = md5(param + (o.salt ?? sub.salt ?? ''));
      if (o.tamper) param = o.tamper(param);
      const res = await fetch(sub.callbackurl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ param, sign }).toString() });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
