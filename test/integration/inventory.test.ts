/**
 * Stock API (P1.2) and back-order allocation on restock (P1.10): shapes, validation with nothing
 * written, strict first come first served, and the signal reaching the order's workflow.
 * No order workflow runs here (worker: false): orders, lines and back-orders are written through
 * the db functions; a small probe workflow on its own worker exercises the back-order activities.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/deps';
import { createInventoryActivities } from '../../activities/inventory.activities';
import { cancelBackOrdersForOrder, countBackOrdered, createBackOrder, listBackOrdersForOrder, listWaitingBackOrders } from '../../db/back-orders';
import { reserveLine, setOnHand } from '../../db/inventory';
import { getOrderLines, insertOrder } from '../../db/orders';
import { dbTime } from '../../db/time';
import { createHarness, Harness, sampleOrder, testEnv, waitFor } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: false });
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await h?.close();
  }
});

/** Writes an order with one line of `sku` (no workflow) and returns its line id. */
async function orderWithLine(sku: string, quantity: number): Promise<{ orderNo: string; lineId: number }> {
  const order = sampleOrder({ lines: [{ sku, quantity, unitPrice: 1 }] });
  await insertOrder(h.db, order, { workflowId: `order-${order.orderNo}`, requestHash: order.orderNo, now: dbTime() });
  const [line] = await getOrderLines(h.db, order.orderNo);
  return { orderNo: order.orderNo, lineId: line.id };
}

/** A back-ordered line, as the workflow would register it. */
async function backOrdered(sku: string, quantity: number) {
  const o = await orderWithLine(sku, quantity);
  await createBackOrder(h.db, { orderNo: o.orderNo, lineId: o.lineId, sku, quantity });
  return o;
}

/** Everything a stock request could change. */
async function snapshot() {
  return {
    inventory: await h.db('inventory').select('sku', 'on_hand', 'reserved', 'updated_at').orderBy('sku'),
    backOrders: await h.db('back_orders').select().orderBy('id'),
    lines: await h.db('order_lines').select('id', 'reserved_quantity', 'status').orderBy('id'),
  };
}

async function setStock(sku: string, onHand: number) {
  const res = await h.api().put(`/api/inventory/${sku}`).send({ onHand });
  expect(res.status).toBe(200);
}

/** Nothing available: on hand set to what is reserved (whatever earlier tests left); returns that. */
async function emptyShelf(sku: string): Promise<number> {
  const { reserved } = await h.db('inventory').where({ sku }).first();
  await setStock(sku, reserved);
  return Number(reserved);
}

describe('GET /api/inventory/:sku', () => {
  test('answers on hand, reserved and back-ordered units', async () => {
    const res = await h.api().get('/api/inventory/ACC-GLASS-CASE');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sku: 'ACC-GLASS-CASE', onHand: 15, reserved: 0, backOrdered: 0 });
  });

  test('unknown SKU is 404; without the API key 401', async () => {
    const res = await h.api().get('/api/inventory/NO-SUCH-SKU');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
    const { default: request } = await import('supertest');
    expect((await request(h.app).get('/api/inventory/ACC-GLASS-CASE')).status).toBe(401);
    expect((await request(h.app).put('/api/inventory/ACC-GLASS-CASE').send({ onHand: 1 })).status).toBe(401);
    expect((await request(h.app).post('/api/inventory/ACC-GLASS-CASE/restock').send({ quantity: 1 })).status).toBe(401);
  });
});

describe('PUT /api/inventory/:sku', () => {
  const SKU = 'BB-MOLLY-SPACE-CASE';

  test('sets on hand and answers the new stock', async () => {
    const res = await h.api().put(`/api/inventory/${SKU}`).send({ onHand: 42 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sku: SKU, onHand: 42, reserved: 0, backOrdered: 0 });
    expect(await h.db('inventory').where({ sku: SKU }).first()).toMatchObject({ on_hand: 42, reserved: 0 });
    expect((await h.api().put(`/api/inventory/${SKU}`).send({ onHand: 0 })).body.onHand).toBe(0);
    expect((await h.api().put(`/api/inventory/${SKU}`).send({ onHand: 1_000_000 })).body.onHand).toBe(1_000_000);
  });

  const bad: Array<[string, unknown, string]> = [
    ['negative', { onHand: -1 }, 'onHand'],
    ['fractional', { onHand: 2.5 }, 'onHand'],
    ['a string', { onHand: '5' }, 'onHand'],
    ['null', { onHand: null }, 'onHand'],
    ['missing', {}, 'onHand'],
    ['an extra field', { onHand: 5, reserved: 0 }, 'reserved'],
    ['huge', { onHand: 1_000_001 }, 'onHand'],
    ['an array body', [5], ''],
  ];
  test.each(bad)('400 for %s, nothing written', async (_name, body, errorPath) => {
    const before = await snapshot();
    const res = await h.api().put(`/api/inventory/${SKU}`).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([{ path: errorPath, message: expect.any(String) }]));
    expect(await snapshot()).toEqual(before);
  });

  test('malformed JSON is 400, nothing written', async () => {
    const before = await snapshot();
    const res = await h.api().put(`/api/inventory/${SKU}`).set('Content-Type', 'application/json').send('{"onHand": ');
    expect(res.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  test('unknown SKU is 404, nothing written', async () => {
    const before = await snapshot();
    const res = await h.api().put('/api/inventory/NO-SUCH-SKU').send({ onHand: 3 });
    expect(res.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  test('below what is reserved is 409 with a clear message, nothing written; equal to it is fine', async () => {
    const sku = 'CANDY-TOY-HIRONO';
    await setStock(sku, 10);
    const { lineId } = await orderWithLine(sku, 4);
    expect(await reserveLine(h.db, lineId)).toBe('reserved');

    const before = await snapshot();
    const res = await h.api().put(`/api/inventory/${sku}`).send({ onHand: 3 });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'below_reserved', message: expect.stringMatching(/4 unit\(s\) are reserved/), reserved: 4 });
    expect(await snapshot()).toEqual(before);

    const ok = await h.api().put(`/api/inventory/${sku}`).send({ onHand: 4 });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sku, onHand: 4, reserved: 4, backOrdered: 0 });
  });
});

describe('POST /api/inventory/:sku/restock', () => {
  const SKU = 'PL-LABUBU-30';

  test('adds to on hand and answers stock and the orders filled', async () => {
    const before = (await h.api().get(`/api/inventory/${SKU}`)).body;
    const res = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 7 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sku: SKU, onHand: before.onHand + 7, reserved: before.reserved, backOrdered: 0, filled: [] });
  });

  const bad: Array<[string, unknown, string]> = [
    ['zero', { quantity: 0 }, 'quantity'],
    ['negative', { quantity: -3 }, 'quantity'],
    ['fractional', { quantity: 1.5 }, 'quantity'],
    ['a string', { quantity: '3' }, 'quantity'],
    ['an extra field', { quantity: 3, note: 'truck 7' }, 'note'],
    ['huge', { quantity: 1_000_001 }, 'quantity'],
    ['the PUT field', { onHand: 3 }, 'onHand'],
  ];
  test.each(bad)('400 for %s, nothing written', async (_name, body, errorPath) => {
    const before = await snapshot();
    const res = await h.api().post(`/api/inventory/${SKU}/restock`).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual(expect.arrayContaining([{ path: errorPath, message: expect.any(String) }]));
    expect(await snapshot()).toEqual(before);
  });

  test('unknown SKU is 404, nothing written', async () => {
    const before = await snapshot();
    const res = await h.api().post('/api/inventory/NO-SUCH-SKU/restock').send({ quantity: 3 });
    expect(res.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});

describe('back-orders are filled strictly first come first served (P1.10)', () => {
  const SKU = 'FIG-SKULLPANDA-400';

  test('a later, smaller back-order never jumps the queue', async () => {
    expect(await emptyShelf(SKU)).toBe(0);
    const a = await backOrdered(SKU, 3);
    const b = await backOrdered(SKU, 4);
    const c = await backOrdered(SKU, 1);
    // Registering the same line again changes nothing.
    await createBackOrder(h.db, { orderNo: a.orderNo, lineId: a.lineId, sku: SKU, quantity: 3 });
    expect(await h.db('back_orders').where({ line_id: a.lineId })).toHaveLength(1);
    expect((await listWaitingBackOrders(h.db, SKU)).map((x) => x.orderNo)).toEqual([a.orderNo, b.orderNo, c.orderNo]);
    expect((await h.api().get(`/api/inventory/${SKU}`)).body).toEqual({ sku: SKU, onHand: 0, reserved: 0, backOrdered: 8 });

    // 3 arrive: the first fills exactly.
    let res = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 3 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sku: SKU, onHand: 3, reserved: 3, backOrdered: 5, filled: [a.orderNo] });

    // 2 arrive: the second needs 4 and waits; the third would fit in 2 but stays behind it.
    res = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 2 });
    expect(res.body).toEqual({ sku: SKU, onHand: 5, reserved: 3, backOrdered: 5, filled: [] });
    expect((await listWaitingBackOrders(h.db, SKU)).map((x) => x.orderNo)).toEqual([b.orderNo, c.orderNo]);
    expect((await getOrderLines(h.db, c.orderNo))[0]).toMatchObject({ reservedQuantity: 0 });

    // 2 more: 4 available, the second fills; nothing is left for the third.
    res = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 2 });
    expect(res.body).toEqual({ sku: SKU, onHand: 7, reserved: 7, backOrdered: 1, filled: [b.orderNo] });

    // An ERP sync that raises on hand serves the queue too.
    const put = await h.api().put(`/api/inventory/${SKU}`).send({ onHand: 9 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ sku: SKU, onHand: 9, reserved: 8, backOrdered: 0 });

    for (const [o, qty] of [[a, 3], [b, 4], [c, 1]] as const) {
      expect((await getOrderLines(h.db, o.orderNo))[0]).toMatchObject({ reservedQuantity: qty, status: 'reserved' });
      const [bo] = await listBackOrdersForOrder(h.db, o.orderNo);
      expect(bo).toMatchObject({ status: 'filled', quantity: qty });
      expect(Date.parse(bo.filledAt!)).not.toBeNaN();
    }
  });

  test('a cancelled back-order, or one whose line was cancelled, is skipped and keeps no stock', async () => {
    const reserved = await emptyShelf(SKU);
    await h.db('back_orders').where({ sku: SKU, status: 'waiting' }).update({ status: 'cancelled' }); // a clean queue
    const d = await backOrdered(SKU, 2);
    const lineGone = await backOrdered(SKU, 1);
    const e = await backOrdered(SKU, 1);
    expect(await cancelBackOrdersForOrder(h.db, d.orderNo)).toBe(1);
    expect(await cancelBackOrdersForOrder(h.db, d.orderNo)).toBe(0);
    await h.db('order_lines').where({ id: lineGone.lineId }).update({ status: 'cancelled' }); // its back-order still waits
    expect(await countBackOrdered(h.db, SKU)).toBe(2);

    const res = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 1 });
    expect(res.body).toEqual({ sku: SKU, onHand: reserved + 1, reserved: reserved + 1, backOrdered: 0, filled: [e.orderNo] });
    for (const gone of [d, lineGone]) {
      expect((await getOrderLines(h.db, gone.orderNo))[0]).toMatchObject({ reservedQuantity: 0 });
      expect((await listBackOrdersForOrder(h.db, gone.orderNo))[0]).toMatchObject({ status: 'cancelled', filledAt: null });
    }
    expect((await getOrderLines(h.db, lineGone.orderNo))[0].status).toBe('cancelled');
  });

  test("the filled order's workflow receives backOrderFilled with the line id", async () => {
    const sku = 'BB-DIMOO-FOREST';
    await emptyShelf(sku);
    const o = await backOrdered(sku, 2);
    // A workflow under the order's id on a queue no worker polls: it stays open and records signals.
    const handle = await h.client.workflow.start('orderFulfillment', {
      taskQueue: `nobody-polls-${o.orderNo}`,
      workflowId: `order-${o.orderNo}`,
      args: [{ order: sampleOrder({ orderNo: o.orderNo }) }],
    });
    try {
      const res = await h.api().post(`/api/inventory/${sku}/restock`).send({ quantity: 2 });
      expect(res.body.filled).toEqual([o.orderNo]);
      const history = await handle.fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals).toHaveLength(1);
      const attrs = signals[0].workflowExecutionSignaledEventAttributes!;
      expect(attrs.signalName).toBe('backOrderFilled');
      const payload = JSON.parse(Buffer.from(attrs.input!.payloads![0].data!).toString());
      expect(payload).toEqual({ lineId: o.lineId });
    } finally {
      await handle.terminate('test done');
    }
  });
});

describe('back-order activities, run by a real worker', () => {
  const SKU = 'FIG-MEGA-1000';
  let worker: Worker;
  let running: Promise<void>;
  let connection: NativeConnection;
  let taskQueue: string;

  // A stand-in for the order workflow's back-order wait: register, then wait for every line's signal.
  const PROBE = `
    import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
    const backOrderFilled = defineSignal('backOrderFilled');
    const acts = proxyActivities({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 1 } });
    export async function backOrderProbe(input) {
      const got = [];
      setHandler(backOrderFilled, ({ lineId }) => { if (!got.includes(lineId)) got.push(lineId); });
      await acts.registerBackOrders(input);
      await condition(() => input.lineIds.every((id) => got.includes(id)));
      return { got, filled: await acts.filledBackOrderLines(input.orderNo) };
    }
  `;

  beforeAll(async () => {
    const { address, runDir } = testEnv();
    const file = path.join(runDir, `backorder-probe-${process.pid}.js`);
    fs.writeFileSync(file, PROBE);
    const { code } = await bundleWorkflowCode({ workflowsPath: file, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
    connection = await NativeConnection.connect({ address });
    taskQueue = `probe-${h.taskQueue}`;
    worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: { code },
      activities: createInventoryActivities({ db: h.db } as ActivityDeps),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  const startProbe = (orderNo: string, lineIds: number[]) =>
    h.client.workflow.start('backOrderProbe', { taskQueue, workflowId: `order-${orderNo}`, args: [{ orderNo, lineIds }] });

  test('registerBackOrders registers and waits; a restock fills and signals the workflow', async () => {
    await emptyShelf(SKU);
    const o = await orderWithLine(SKU, 2);
    const handle = await startProbe(o.orderNo, [o.lineId]);
    const bo = await waitFor('the back-order', () => h.db('back_orders').where({ line_id: o.lineId }).first());
    expect(bo).toMatchObject({ order_no: o.orderNo, sku: SKU, quantity: 2, status: 'waiting' });
    expect((await getOrderLines(h.db, o.orderNo))[0].status).toBe('back_ordered');

    const res = await h.api().post(`/api/inventory/${SKU}/restock`).send({ quantity: 2 });
    expect(res.body.filled).toEqual([o.orderNo]);
    expect(await handle.result()).toEqual({ got: [o.lineId], filled: [o.lineId] });
  });

  test('stock that is already back when the line is registered is allocated at once, oldest first', async () => {
    const reserved = await emptyShelf(SKU);
    const older = await backOrdered(SKU, 1); // an order without a workflow: its signal is skipped
    // Stock comes back without an allocation (as a release does): 3 available, nobody served.
    await setOnHand(h.db, SKU, reserved + 3, 'test setup');
    const o = await orderWithLine(SKU, 2);
    const handle = await startProbe(o.orderNo, [o.lineId]);
    expect(await handle.result()).toEqual({ got: [o.lineId], filled: [o.lineId] });
    expect((await listBackOrdersForOrder(h.db, older.orderNo))[0].status).toBe('filled');
    expect(await h.db('inventory').where({ sku: SKU }).first()).toMatchObject({ on_hand: reserved + 3, reserved: reserved + 3 });
  });

  test('registerBackOrders is idempotent, refuses foreign lines; cancelBackOrders cancels the waiting ones', async () => {
    const acts = createInventoryActivities({ db: h.db } as ActivityDeps);
    await emptyShelf(SKU); // nothing to allocate, so no signal is needed
    const o = await orderWithLine(SKU, 1);
    const other = await orderWithLine(SKU, 1);
    await acts.registerBackOrders({ orderNo: o.orderNo, lineIds: [o.lineId] });
    await acts.registerBackOrders({ orderNo: o.orderNo, lineIds: [o.lineId] });
    expect(await listBackOrdersForOrder(h.db, o.orderNo)).toEqual([expect.objectContaining({ lineId: o.lineId, quantity: 1, status: 'waiting' })]);
    await expect(acts.registerBackOrders({ orderNo: o.orderNo, lineIds: [other.lineId] })).rejects.toThrow(/not lines of order/);
    expect(await listBackOrdersForOrder(h.db, other.orderNo)).toEqual([]);
    expect(await acts.cancelBackOrders(o.orderNo)).toBe(1);
    expect(await acts.cancelBackOrders(o.orderNo)).toBe(0);
    expect(await acts.filledBackOrderLines(o.orderNo)).toEqual([]);
  });
});
