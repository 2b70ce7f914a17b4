import type { Db } from './knex';
import { dbTime } from './time';

/**
 * Stock (P1.2). Every change is one conditional UPDATE, so two orders racing for the last units can
 * never both win: the database, not a read-then-write in the app, decides. Each change is keyed on
 * the order line, so an activity retried after a crash changes stock once.
 */

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
}

export async function getStock(db: Db, sku: string): Promise<StockLevel | undefined> {
  const row = await db('inventory').where({ sku }).first();
  return row ? { sku: row.sku, onHand: Number(row.on_hand), reserved: Number(row.reserved) } : undefined;
}

export type ReserveOutcome = 'reserved' | 'already_reserved' | 'insufficient' | 'cancelled';

/** Reserves a whole order line, or nothing. */
export async function reserveLine(db: Db, lineId: number): Promise<ReserveOutcome> {
  try {
    return await db.transaction(async (trx) => {
      // Claim the line first: a write as the first statement takes SQLite's write lock at once (a
      // read first would fail with SQLITE_BUSY instead of waiting), and makes a retry a no-op.
      // A cancelled line is never reserved again (a reservation arriving after the order's
      // cancellation began: see db/cancellation.ts), nor a shipped one.
      const claimed = await trx('order_lines')
        .where({ id: lineId, reserved_quantity: 0 })
        .whereNotIn('status', ['cancelled', 'shipped'])
        .update({ reserved_quantity: trx.ref('quantity'), status: 'reserved' });
      const line = await trx('order_lines').where({ id: lineId }).first();
      if (!line) throw new Error(`order line ${lineId} does not exist`);
      if (claimed === 0) return line.status === 'cancelled' ? 'cancelled' : 'already_reserved';
      const taken = await trx('inventory')
        .where('sku', line.sku)
        .andWhereRaw('on_hand - reserved >= ?', [line.quantity])
        .update({ reserved: trx.raw('reserved + ?', [line.quantity]), updated_at: dbTime() });
      if (taken === 0) throw new InsufficientStock();
      return 'reserved';
    });
  } catch (err) {
    if (err instanceof InsufficientStock) return 'insufficient';
    throw err;
  }
}

class InsufficientStock extends Error {}

/** Gives a line's reservation back (cancellation, compensation). Idempotent. */
export async function releaseLine(db: Db, lineId: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    const line = await trx('order_lines').where({ id: lineId }).first();
    if (!line || line.reserved_quantity === 0 || line.status === 'shipped') return false;
    const released = await trx('order_lines')
      .where({ id: lineId, reserved_quantity: line.reserved_quantity })
      .whereNot('status', 'shipped')
      .update({ reserved_quantity: 0, status: 'released' });
    if (released === 0) return false;
    await trx('inventory')
      .where('sku', line.sku)
      .update({ reserved: trx.raw('reserved - ?', [line.reserved_quantity]), updated_at: dbTime() });
    return true;
  });
}

/** At hand-over the reserved units leave the warehouse: on hand and reserved both go down. Idempotent. */
export async function commitShippedLine(db: Db, lineId: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    const line = await trx('order_lines').where({ id: lineId }).first();
    if (!line) throw new Error(`order line ${lineId} does not exist`);
    const marked = await trx('order_lines')
      .where({ id: lineId })
      .where('reserved_quantity', '>', 0)
      .whereNot('status', 'shipped')
      .update({ status: 'shipped' });
    if (marked === 0) return false;
    await trx('inventory')
      .where('sku', line.sku)
      .update({
        on_hand: trx.raw('on_hand - ?', [line.reserved_quantity]),
        reserved: trx.raw('reserved - ?', [line.reserved_quantity]),
        updated_at: dbTime(),
      });
    return true;
  });
}

export async function setOnHand(db: Db, sku: string, onHand: number): Promise<StockLevel | undefined> {
  await db('inventory').where({ sku }).update({ on_hand: onHand, updated_at: dbTime() });
  return getStock(db, sku);
}

/** Restock: adds to on hand in one UPDATE. False if the SKU has no stock record. */
export async function addOnHand(db: Db, sku: string, quantity: number): Promise<boolean> {
  const n = await db('inventory')
    .where({ sku })
    .update({ on_hand: db.raw('on_hand + ?', [quantity]), updated_at: dbTime() });
  return n > 0;
}

export type SetOnHandOutcome = 'set' | 'unknown_sku' | 'below_reserved';

/**
 * Sets on hand (a count or an ERP sync) only if it still covers what is reserved, in one
 * conditional UPDATE: a reservation made meanwhile is never stranded above on hand.
 */
export async function setOnHandCoveringReserved(db: Db, sku: string, onHand: number): Promise<SetOnHandOutcome> {
  const n = await db('inventory').where({ sku }).andWhere('reserved', '<=', onHand).update({ on_hand: onHand, updated_at: dbTime() });
  if (n > 0) return 'set';
  return (await db('inventory').where({ sku }).first()) ? 'below_reserved' : 'unknown_sku';
}
