/**
 * `npm run bench:scan` (the warehouse floor, stations mode): how fast a scan at the pick station is
 * answered with 1,000 open orders in the day's waves.
 *
 *   node dist/scripts/bench-scan.js [--orders 1000] [--scans 1000]
 *
 * Fills a fresh SQLite database (a temporary directory) with orders waiting at the pick station
 * (1–3 lines of 5 units each, over the demo catalog's SKUs and every carrier), starts the real web
 * app (sessions, CSRF, the training gate, the audit log) on a free port of 127.0.0.1, signs in as a
 * certified warehouse user and sends scans as a keyboard-wedge scanner would: POST
 * /warehouse/pick/<order>/scan, one after the other, over many orders, one in ten a wrong item.
 * No scan completes an order, so Temporal is never called (the workflow update at the last unit is
 * measured by the integration tests, not here). Also times the /warehouse floor page. Prints
 * median, p95, p99 and max; asserts nothing.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../config/settings';
import { createDb, Db, migrateToLatest } from '../db/knex';
import { DEMO_CATALOG, seedDemoCatalog } from '../db/seed';
import { dbTime } from '../db/time';
import { signOffRun, startOrResumeRun, submitRun } from '../db/training';
import { createUser } from '../db/users';
import { barcodeForSku } from '../domain/barcodes';
import { findTrainingModule, STATION_MODULES } from '../training/content';
import { createApp } from '../web/app';
import { generatePassword, hashPassword } from '../web/auth/passwords';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SKUS = DEMO_CATALOG.map((c) => c.sku).filter((s) => s !== 'FIG-MEGA-1000');

async function fill(db: Db, n: number): Promise<string[]> {
  const now = dbTime();
  const orders: Record<string, unknown>[] = [];
  const lines: Record<string, unknown>[] = [];
  const nos: string[] = [];
  for (let i = 0; i < n; i++) {
    const orderNo = `SCAN${String(i).padStart(6, '0')}`;
    nos.push(orderNo);
    const country = i % 7 === 0 ? 'US' : 'CN';
    orders.push({
      order_no: orderNo, workflow_id: `order-${orderNo}`, type: 'retail', status: 'picking', currency: 'CNY', total_amount: 345,
      customer_json: '{"name":"王小明","phone":"13800138000"}', shipping_address_json: JSON.stringify({ name: '王小明', phone: '13800138000', line1: '世纪大道 100 号', city: '上海', postalCode: '200120', country }),
      customer_phone: '13800138000', destination_country: country, payment_method: 'card', payment_token: 'tok_paid', request_hash: 'x'.repeat(64),
      station_step: 'pick', station_since: now, station_due: dbTime(Date.now() + 2 * 3600_000), created_at: now, updated_at: now,
    });
    for (let l = 0; l <= i % 3; l++) {
      lines.push({ order_no: orderNo, line_no: l + 1, sku: SKUS[(i + l) % SKUS.length], quantity: 5, unit_price: 69, reserved_quantity: 5, status: 'reserved' });
    }
  }
  await db.batchInsert('orders', orders, 200);
  await db.batchInsert('order_lines', lines, 200);
  return nos;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A tiny cookie-keeping client for one signed-in browser session. */
function session(base: string) {
  let cookie = '';
  return {
    async request(method: string, url: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
      const res = await fetch(`${base}${url}`, {
        method,
        redirect: 'manual',
        headers: { cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), 'accept-language': 'en' },
        body: form ? new URLSearchParams(form).toString() : undefined,
      });
      const set = res.headers.getSetCookie();
      if (set.length) cookie = set.map((c) => c.split(';')[0]).join('; ');
      return { status: res.status, text: await res.text() };
    },
  };
}
const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

async function main() {
  const nOrders = arg('orders', 1000);
  const nScans = arg('scans', 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-bench-scan-'));
  const settings = loadSettings({ BOXFLOW_DATA_DIR: dir, BOXFLOW_REQUIRE_CERTIFICATION: '1' });
  const db = createDb(settings);
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  const nos = await fill(db, nOrders);
  const password = generatePassword();
  const user = await createUser(db, { username: 'bench.picker', role: 'warehouse', passwordHash: await hashPassword(password) });
  for (const id of Object.values(STATION_MODULES)) {
    const module = findTrainingModule(id)!;
    const now = new Date();
    const { run } = await startOrResumeRun(db, { userId: user.id, module, now });
    await submitRun(db, run.id, now);
    await signOffRun(db, run.id, { by: 'bench', comment: null, now, expiresAt: new Date(now.getTime() + 365 * 86_400_000) });
  }
  // No scan here reaches Temporal: a gateway that would fail loudly if one did.
  const temporal = { client: new Proxy({}, { get: () => { throw new Error('the scan bench must not call Temporal'); } }), taskQueue: 'bench', policy: undefined } as never;
  const app = createApp({ db, temporal, apiKey: 'bench-scan-key-0123456789abcdef-boxflow', dataDir: dir });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = session(base);
  const login = await s.request('GET', '/login');
  await s.request('POST', '/login', { _csrf: csrf(login.text), username: 'bench.picker', password });
  const token = csrf((await s.request('GET', '/account')).text);

  const lineRows = await db('order_lines').whereIn('order_no', nos).select('order_no', 'sku');
  const skusOf = new Map<string, string[]>();
  for (const r of lineRows) skusOf.set(r.order_no, [...(skusOf.get(r.order_no) ?? []), r.sku]);
  const times: number[] = [];
  let refused = 0;
  for (let i = 0; i < nScans; i++) {
    const orderNo = nos[(i * 7) % nos.length];
    const skus = skusOf.get(orderNo)!;
    const wrong = i % 10 === 9;
    const code = wrong ? barcodeForSku('FIG-MEGA-1000') : barcodeForSku(skus[i % skus.length]);
    const t0 = process.hrtime.bigint();
    const res = await s.request('POST', `/warehouse/pick/${orderNo}/scan`, { _csrf: token, code });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) throw new Error(`scan answered ${res.status}`);
    if (res.text.includes('scan-error')) refused++;
  }
  const floorTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    const res = await s.request('GET', '/warehouse');
    floorTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) throw new Error(`/warehouse answered ${res.status}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const floorSorted = [...floorTimes].sort((a, b) => a - b);
  const fmt = (n: number) => Math.round(n * 10) / 10;
  console.log(
    JSON.stringify(
      {
        database: 'sqlite',
        openOrdersAtPick: nOrders,
        scans: nScans,
        refusedScans: refused,
        scanMs: { median: fmt(percentile(sorted, 50)), p95: fmt(percentile(sorted, 95)), p99: fmt(percentile(sorted, 99)), max: fmt(sorted[sorted.length - 1]) },
        floorPageMs: { median: fmt(percentile(floorSorted, 50)), p99: fmt(percentile(floorSorted, 99)), max: fmt(floorSorted[floorSorted.length - 1]) },
        auditRows: Number((await db('audit_log').where({ action: 'station.scan' }).count({ n: '*' }))[0].n),
      },
      null,
      2,
    ),
  );
  server.closeAllConnections();
  server.close();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
