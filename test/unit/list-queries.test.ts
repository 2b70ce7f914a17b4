/**
 * The list queries of issue 15: the inbox's carrier per row (a sub-select per row; one query per
 * page was tried and measured no faster), and the API's order list reading five columns. On a scratch
 * SQLite database, or PostgreSQL with BOXFLOW_TEST_DATABASE_URL.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listInbox } from '../../db/inbox';
import { createDb, Db, migrateToLatest } from '../../db/knex';
import { listOrders, listOrderSummaries } from '../../db/orders';
import { createShipments, updateShipment } from '../../db/shipments';
import { dbTime } from '../../db/time';
import { createTestDatabase } from '../support/test-database';

describe('list queries', () => {
  let dir: string;
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  const now = Date.now();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-lists-'));
    const testDb = await createTestDatabase(dir, crypto.randomBytes(4).toString('hex'));
    drop = testDb.drop;
    db = createDb({ dataDir: dir, databaseUrl: testDb.databaseUrl });
    await migrateToLatest(db);
    const customer = JSON.stringify({ name: '王小明', phone: '13800138000' });
    const address = JSON.stringify({ name: '王小明', phone: '13800138000', line1: '世纪大道 100 号', city: '上海', postalCode: '200120', country: 'CN' });
    for (let i = 0; i < 4; i++) {
      const orderNo = `LQ${i}`;
      const at = dbTime(now - (4 - i) * 1000);
      await db('orders').insert({
        order_no: orderNo, workflow_id: `order-${orderNo}`, type: 'retail', status: i === 3 ? 'shipped' : 'on_hold', currency: 'CNY', total_amount: 138,
        customer_json: customer, shipping_address_json: address, customer_phone: '13800138000', destination_country: 'CN',
        payment_method: 'card', payment_token: 'tok', request_hash: orderNo, created_at: at, updated_at: at, shipped_at: i === 3 ? at : null,
      });
      await db('tasks').insert({
        order_no: orderNo, kind: 'carrier_rejected', status: 'open', options_json: JSON.stringify(['retry', 'cancel_order']), default_option: 'retry',
        deadline: dbTime(now + (i + 1) * 3_600_000), context_json: '{}', priority: 2, workflow_key: `lq:${orderNo}`, created_at: at,
      });
    }
    const parcel = (parcelIndex: number) => ({ parcelIndex, items: [], weightGrams: 100, volumeCm3: 100, packaging: { box: 'S', protection: 'none', reason: 'test' } });
    // LQ0: two parcels with two carriers (the first by name is shown); LQ1: none; LQ2: one.
    const [a, b] = await createShipments(db, 'LQ0', [parcel(1), parcel(2)] as never);
    await updateShipment(db, a, { carrier: 'yto' });
    await updateShipment(db, b, { carrier: 'sf' });
    const [c] = await createShipments(db, 'LQ2', [parcel(1)] as never);
    await updateShipment(db, c, { carrier: 'dhl' });
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the inbox shows each row its order\'s carrier (the first by name), none without a shipment', async () => {
    const { rows, total } = await listInbox(db, { sort: 'deadline', dir: 'asc', page: 1, pageSize: 50, now });
    expect(total).toBe(4);
    expect(rows.map((r) => [r.orderNo, r.carrier])).toEqual([['LQ0', 'sf'], ['LQ1', null], ['LQ2', 'dhl'], ['LQ3', null]]);
    // The carrier filter still finds the order by any of its carriers.
    expect((await listInbox(db, { carrier: 'yto', sort: 'deadline', dir: 'asc', page: 1, pageSize: 50, now })).rows.map((r) => [r.orderNo, r.carrier])).toEqual([['LQ0', 'sf']]);
    // A second page holds the rest, with their carriers.
    expect((await listInbox(db, { sort: 'deadline', dir: 'desc', page: 2, pageSize: 2, now })).rows.map((r) => [r.orderNo, r.carrier])).toEqual([['LQ1', null], ['LQ0', 'sf']]);
  });

  it('the API\'s order list has the rows, order and total of the full list, with five fields each', async () => {
    for (const f of [{ limit: 50, offset: 0 }, { limit: 2, offset: 1 }, { status: 'shipped', limit: 50, offset: 0 }]) {
      const full = await listOrders(db, f);
      const light = await listOrderSummaries(db, f);
      expect(light.total).toBe(full.total);
      expect(light.rows).toEqual(full.rows.map((o) => ({ orderNo: o.orderNo, type: o.type, status: o.status, createdAt: o.createdAt, shippedAt: o.shippedAt })));
    }
    expect((await listOrderSummaries(db, { limit: 50, offset: 0 })).rows.map((o) => o.orderNo)).toEqual(['LQ3', 'LQ2', 'LQ1', 'LQ0']);
  });
});
