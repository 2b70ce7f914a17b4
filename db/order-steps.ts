import { reserveLine, commitShippedLine, getStock } from './inventory';
import type { Db } from './knex';
import { getOrderLines, setOrderStatus } from './orders';
import { emitParcelShipped } from './outbound-webhooks';
import { dbTime } from './time';
import type { OrderStatus } from '../domain/types';

/**
 * The order's steps as one transaction each (issue 15, "fewer round trips"; the workflow's
 * `merged-steps` path). Every write is keyed so that an activity retried after a commit writes
 * nothing twice: status rows by the workflow's dedupe keys, reservations and hand-overs by the
 * order line, parcels by their id. Each transaction begins with a write, so that SQLite takes its
 * write lock first (a read first could fail with SQLITE_BUSY when it upgrades).
 */

/** A status row the workflow asks a step to write (its dedupe key comes from the workflow). */
export interface StatusWrite {
  status: OrderStatus;
  detail?: string;
  data?: Record<string, unknown>;
  dedupeKey: string;
}

export interface Shortage {
  lineId: number;
  sku: string;
  requested: number;
  available: number;
}

/**
 * P1.1 → P1.3: the statuses before the reservation (validated, reserving), the reservation of every
 * open line (all of a line or nothing, as reserveStock), the status after it (awaiting_payment),
 * in one transaction. Returns the lines that could not be reserved.
 */
export async function acceptOrderTx(db: Db, input: { orderNo: string; before: StatusWrite[]; after: StatusWrite[]; shipBy?: string }): Promise<{ reservedLineIds: number[]; shortages: Shortage[] }> {
  return db.transaction(async (trx) => {
    for (const s of input.before) await setOrderStatus(trx, { orderNo: input.orderNo, ...s });
    if (input.shipBy) await trx('orders').where({ order_no: input.orderNo }).update({ ship_by: input.shipBy });
    const reservedLineIds: number[] = [];
    const shortages: Shortage[] = [];
    for (const line of await getOrderLines(trx, input.orderNo)) {
      if (line.status === 'cancelled' || line.status === 'shipped') continue;
      const outcome = await reserveLine(trx, line.id);
      if (outcome === 'insufficient') {
        const stock = await getStock(trx, line.sku);
        shortages.push({ lineId: line.id, sku: line.sku, requested: line.quantity, available: Math.max(0, (stock?.onHand ?? 0) - (stock?.reserved ?? 0)) });
      } else if (outcome !== 'cancelled') reservedLineIds.push(line.id);
    }
    for (const s of input.after) await setOrderStatus(trx, { orderNo: input.orderNo, ...s });
    return { reservedLineIds, shortages };
  });
}

/**
 * P2.2 hand-over of one round's parcels, in one transaction: the parcels move from booked to
 * shipped (each announces `order.shipped` with its carrier and waybill), the picked lines' units
 * leave the shelf, and the order's statuses (booked, then shipped or partially_shipped) are
 * written. Either all of it is committed or none of it: there is no moment at which the stock
 * has left the shelf while the order still says `booked`. Idempotent (a parcel already shipped,
 * a line already committed and a status row already written are left as they are).
 */
export async function handOverTx(db: Db, input: { orderNo: string; shipmentIds: string[]; lineIds: number[]; statuses: StatusWrite[] }): Promise<void> {
  const now = dbTime();
  await db.transaction(async (trx) => {
    for (const id of input.shipmentIds) {
      const n = await trx('shipments').where({ id, order_no: input.orderNo, status: 'booked' }).update({ status: 'shipped', shipped_at: now });
      if (n === 1) await emitParcelShipped(trx, id);
    }
    for (const id of input.lineIds) await commitShippedLine(trx, id);
    for (const s of input.statuses) await setOrderStatus(trx, { orderNo: input.orderNo, ...s });
  });
}
