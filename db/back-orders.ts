import type { Db } from './knex';
import { reserveLine } from './inventory';
import { dbTime, toIso } from './time';

/**
 * Back-orders (P1.10): order lines waiting for restock, served strictly in order of arrival (id
 * ascending). One back-order per order line (line_id is unique), so registering twice is a no-op.
 */

export type BackOrderStatus = 'waiting' | 'filled' | 'cancelled';

export interface BackOrder {
  id: number;
  orderNo: string;
  lineId: number;
  sku: string;
  quantity: number;
  status: BackOrderStatus;
  createdAt: string;
  filledAt: string | null;
}

function fromRow(r: Record<string, any>): BackOrder {
  return {
    id: Number(r.id),
    orderNo: r.order_no,
    lineId: Number(r.line_id),
    sku: r.sku,
    quantity: Number(r.quantity),
    status: r.status,
    createdAt: toIso(r.created_at)!,
    filledAt: toIso(r.filled_at),
  };
}

export interface NewBackOrder {
  orderNo: string;
  lineId: number;
  sku: string;
  quantity: number;
}

/**
 * Registers a line as waiting for restock. Idempotent: a second call for the same line changes
 * nothing and returns the back-order as it is (possibly already filled or cancelled).
 */
export async function createBackOrder(db: Db, b: NewBackOrder): Promise<BackOrder> {
  await db('back_orders')
    .insert({ order_no: b.orderNo, line_id: b.lineId, sku: b.sku, quantity: b.quantity, status: 'waiting', created_at: dbTime() })
    .onConflict('line_id')
    .ignore();
  const row = await db('back_orders').where({ line_id: b.lineId }).first();
  return fromRow(row);
}

/** The SKU's waiting back-orders, first come first. */
export async function listWaitingBackOrders(db: Db, sku: string): Promise<BackOrder[]> {
  const rows = await db('back_orders').where({ sku, status: 'waiting' }).orderBy('id', 'asc');
  return rows.map(fromRow);
}

export async function listBackOrdersForOrder(db: Db, orderNo: string): Promise<BackOrder[]> {
  const rows = await db('back_orders').where({ order_no: orderNo }).orderBy('id', 'asc');
  return rows.map(fromRow);
}

/** Compare-and-set waiting → filled; false if it was not waiting (filled already, or cancelled). */
export async function markBackOrderFilled(db: Db, id: number): Promise<boolean> {
  const n = await db('back_orders').where({ id, status: 'waiting' }).update({ status: 'filled', filled_at: dbTime() });
  return n > 0;
}

/** Cancels the order's waiting back-orders (filled ones stay filled); returns how many. */
export async function cancelBackOrdersForOrder(db: Db, orderNo: string): Promise<number> {
  return db('back_orders').where({ order_no: orderNo, status: 'waiting' }).update({ status: 'cancelled' });
}

/**
 * Issue 15 supervisor summary: every back-order still waiting for restock whose line is still open
 * (a line cancelled while waiting leaves its back-order row waiting until the SKU's next allocation).
 */
export async function listWaitingRestockLines(db: Db): Promise<Array<{ sku: string; orderNo: string; quantity: number }>> {
  const rows = await db('back_orders as b')
    .join('order_lines as l', 'l.id', 'b.line_id')
    .where('b.status', 'waiting')
    .whereNotIn('l.status', ['cancelled', 'shipped'])
    .select('b.sku', 'b.order_no', 'b.quantity');
  return rows.map((r: Record<string, any>) => ({ sku: r.sku, orderNo: r.order_no, quantity: Number(r.quantity) }));
}

/** Units of the SKU that waiting back-orders still need. */
export async function countBackOrdered(db: Db, sku: string): Promise<number> {
  const [row] = await db('back_orders').where({ sku, status: 'waiting' }).sum({ n: 'quantity' });
  return Number(row?.n ?? 0);
}

/**
 * Registers back-orders for lines of one order and marks those lines 'back_ordered', in one
 * transaction. A line that holds a reservation (filled meanwhile) or has shipped or been cancelled
 * keeps its status, so a retried call cannot undo a fill.
 */
export async function registerBackOrderLines(
  db: Db,
  lines: Array<{ orderNo: string; lineId: number; sku: string; quantity: number }>,
): Promise<BackOrder[]> {
  if (!lines.length) return [];
  return db.transaction(async (trx) => {
    const out: BackOrder[] = [];
    for (const l of lines) {
      const b = await createBackOrder(trx, l);
      if (b.status === 'waiting') {
        await trx('order_lines')
          .where({ id: l.lineId, reserved_quantity: 0 })
          .whereNotIn('status', ['shipped', 'cancelled'])
          .update({ status: 'back_ordered' });
      }
      out.push(b);
    }
    return out;
  });
}

export interface FilledBackOrder {
  backOrderId: number;
  orderNo: string;
  lineId: number;
  sku: string;
  quantity: number;
}

class NotEnough extends Error {}

/**
 * Serves the SKU's waiting back-orders first come first: each one is marked filled and its line
 * reserved (reserveLine, the same atomic reservation the workflow uses) together, or neither.
 * Stops at the first back-order the stock cannot cover: a later, smaller one never jumps the queue.
 *
 * Pass a transaction that has already written (e.g. the restock's own UPDATE) to make the stock
 * change and the allocation one step; with a plain Db a transaction is opened here, and its first
 * statement is a write so that SQLite takes the write lock at once (a read first could not be
 * upgraded when another process writes, SQLITE_BUSY). Returns the back-orders filled, in order;
 * signalling the workflows is the caller's job, after commit.
 */
export async function allocateWaitingBackOrders(db: Db, sku: string): Promise<FilledBackOrder[]> {
  const run = async (trx: Db): Promise<FilledBackOrder[]> => {
    const filled: FilledBackOrder[] = [];
    for (const b of await listWaitingBackOrders(trx, sku)) {
      try {
        const ok = await trx.transaction(async (sp) => {
          // Claim the back-order first: a cancelled (or concurrently filled) one is skipped, never reserved.
          if (!(await markBackOrderFilled(sp, b.id))) return false;
          // A line cancelled (or shipped) since it was back-ordered needs no stock: drop it from the queue.
          const line = await sp('order_lines').where({ id: b.lineId }).first('status');
          if (!line || line.status === 'cancelled' || line.status === 'shipped') {
            await sp('back_orders').where({ id: b.id }).update({ status: 'cancelled', filled_at: null });
            return false;
          }
          const outcome = await reserveLine(sp, b.lineId);
          if (outcome === 'insufficient') throw new NotEnough();
          return true; // 'reserved', or 'already_reserved' (the line holds its stock already)
        });
        if (ok) filled.push({ backOrderId: b.id, orderNo: b.orderNo, lineId: b.lineId, sku: b.sku, quantity: b.quantity });
      } catch (err) {
        if (err instanceof NotEnough) break; // strict first come, first served
        throw err;
      }
    }
    return filled;
  };
  if (db.isTransaction) return run(db);
  return db.transaction(async (trx) => {
    // Take the write lock first (see above).
    const touched = await trx('inventory').where({ sku }).update({ updated_at: dbTime() });
    if (touched === 0) return [];
    return run(trx);
  });
}
