/**
 * Issue 16: "a worker killed mid-refund refunds once", with Alipay. The real worker entry point runs
 * as its own OS process with BOXFLOW_SANDBOX=0 and the three providers configured by environment
 * variables only (Alipay's keys as files), as a shop would run it, against the stand-ins. The
 * worker is killed (SIGKILL) after Alipay has refunded but before its answer arrives; a new worker
 * retries the refund with the same out_request_no, and Alipay refunds once.
 * And the other side of BOXFLOW_SANDBOX=0: with values missing, the worker and the web process refuse
 * to start (exit 1), naming exactly what is missing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createHarness, Harness, orderStatusIs, sampleOrder, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';
import { spawnWorkerProcess } from '../support/worker-process';
import { AlipayStandIn, startAlipayStandIn } from '../standins/alipay';
import { Kuaidi100StandIn, startKuaidi100StandIn } from '../standins/kuaidi100';
import { SfStandIn, startSfStandIn } from '../standins/sf-express';

let h: Harness;
let alipay: AlipayStandIn;
let sf: SfStandIn;
let k100: Kuaidi100StandIn;
let liveEnv: Record<string, string>;

beforeAll(async () => {
  alipay = await startAlipayStandIn();
  sf = await startSfStandIn();
  k100 = await startKuaidi100StandIn();
  // Stations: a paid order waits at picking for a person, where a cancellation refunds it.
  h = await createHarness({ worker: false, env: { BOXFLOW_WAREHOUSE: 'stations' }, providers: { alipay: alipay.settings(), problems: [] } });
  const dir = path.dirname(h.dbFile);
  const keys = alipay.settings();
  const privateKeyFile = path.join(dir, `alipay-app-${process.pid}.pem`);
  const publicKeyFile = path.join(dir, `alipay-public-${process.pid}.pem`);
  fs.writeFileSync(privateKeyFile, keys.privateKey, { mode: 0o600 });
  fs.writeFileSync(publicKeyFile, keys.alipayPublicKey);
  liveEnv = {
    BOXFLOW_SANDBOX: '0',
    BOXFLOW_WAREHOUSE: 'stations',
    BOXFLOW_ALIPAY_APP_ID: alipay.appId,
    BOXFLOW_ALIPAY_PRIVATE_KEY_FILE: privateKeyFile,
    BOXFLOW_ALIPAY_PUBLIC_KEY_FILE: publicKeyFile,
    BOXFLOW_ALIPAY_GATEWAY: alipay.gateway,
    // Longer than the delayed answer below: the worker is still waiting for it when it is killed.
    BOXFLOW_ALIPAY_TIMEOUT_MS: '20000',
    BOXFLOW_SF_PARTNER_ID: sf.partnerId,
    BOXFLOW_SF_CHECK_WORD: sf.checkWord,
    BOXFLOW_SF_BASE_URL: sf.url,
    BOXFLOW_KUAIDI100_KEY: k100.key,
    BOXFLOW_KUAIDI100_CUSTOMER: k100.customer,
    BOXFLOW_KUAIDI100_SALT: 'boxflow-crash-salt',
    BOXFLOW_KUAIDI100_CALLBACK_URL: 'http://127.0.0.1:9/api/webhooks/kuaidi100',
    BOXFLOW_KUAIDI100_BASE_URL: k100.url,
  };
});

afterAll(async () => {
  try {
    await expectLedgerHolds(h, { providerPayments: () => alipay.ledger() });
  } finally {
    await h?.close();
    await alipay?.close();
    await sf?.close();
    await k100?.close();
  }
});

test('a live worker process killed mid-refund: the next one retries with the same out_request_no, Alipay refunds once', async () => {
  const first = spawnWorkerProcess(h, 'alipay-worker-1', liveEnv);
  await first.ready;

  // Paid before the order came in: trade.query says TRADE_SUCCESS, the order goes to picking.
  const order = sampleOrder({ payment: { method: 'alipay', token: 'alipay' } });
  alipay.createTrade(order.orderNo, 138);
  alipay.buyerPays(order.orderNo);
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  await orderStatusIs(h, order.orderNo, 'picking', 60_000);
  expect((await h.db('payments').where({ order_no: order.orderNo, kind: 'charge' }).first()).status).toBe('succeeded');

  // Alipay refunds at once but its answer takes 30 s: the kill lands in between, the worst moment
  // (Alipay has refunded, BoxFlow has not recorded it).
  alipay.delayNext('alipay.trade.refund', 30_000);
  // The cancel request answers once the order's compensation has run: not awaited until after the kill.
  const cancelled = h.api().post(`/api/orders/${order.orderNo}/cancel`).send({ reason: 'the customer changed their mind', requestedBy: 'cs.li' }).then((r) => r);
  await waitFor('Alipay to take the refund', async () => alipay.calls.some((c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === order.orderNo));
  expect(alipay.trade(order.orderNo)!.refunds.size).toBe(1);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const midway = await h.db('payments').where({ order_no: order.orderNo, kind: 'refund' });
  expect(midway.every((r) => r.status !== 'succeeded')).toBe(true);

  const second = spawnWorkerProcess(h, 'alipay-worker-2', liveEnv);
  await second.ready;
  try {
    expect((await cancelled).status).toBeLessThan(300);
    await orderStatusIs(h, order.orderNo, 'cancelled', 90_000);
    const refunds = await waitFor('the refund recorded', async () => {
      const rows = await h.db('payments').where({ order_no: order.orderNo, kind: 'refund' });
      return rows.length && rows.every((r) => r.status !== 'pending') ? rows : undefined;
    }, 90_000);
    expect(refunds.map((r) => [r.status, Number(r.amount)])).toEqual([['succeeded', 138]]);
    // Asked at least twice (before and after the kill), always under the same out_request_no; refunded once.
    const sent = alipay.calls.filter((c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === order.orderNo);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sent.map((c) => c.biz.out_request_no)).size).toBe(1);
    expect(alipay.trade(order.orderNo)!.refunds.size).toBe(1);
    expect(alipay.ledger().filter((x) => x.orderNo === order.orderNo && x.kind === 'refund')).toEqual([{ orderNo: order.orderNo, kind: 'refund', status: 'succeeded', amount: 138 }]);
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }
});

test('BOXFLOW_SANDBOX=0 with values missing: the worker and the web process exit 1 naming exactly them', () => {
  const { BOXFLOW_SF_BASE_URL: _sf, BOXFLOW_KUAIDI100_SALT: _salt, ...partial } = liveEnv;
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^BOXFLOW_(ALIPAY|SF|KUAIDI100)_/.test(k))) as Record<string, string>),
    TEMPORAL_ADDRESS: h.temporalAddress,
    DATABASE_URL: h.databaseUrl,
    BOXFLOW_LOG_LEVEL: 'info',
    ...partial,
    BOXFLOW_ALIPAY_PUBLIC_KEY_FILE: liveEnv.BOXFLOW_ALIPAY_PRIVATE_KEY_FILE, // the app's private key where Alipay's public key belongs
  };
  for (const entry of ['worker/main.js', 'web/server.js']) {
    const run = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'dist', entry)], { env, encoding: 'utf8', timeout: 60_000 });
    const out = run.stdout + run.stderr;
    expect({ entry, status: run.status }).toEqual({ entry, status: 1 });
    expect(out).toMatch(/3 problem\(s\)/);
    expect(out).toMatch(/BOXFLOW_SF_BASE_URL is not set/);
    expect(out).toMatch(/BOXFLOW_KUAIDI100_SALT is not set/);
    expect(out).toMatch(/BOXFLOW_ALIPAY_PUBLIC_KEY_FILE: .* holds a private key/);
    expect(out).not.toMatch(/polling task queue|listening on/);
  }
});
