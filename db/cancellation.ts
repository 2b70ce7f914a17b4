import type { Db } from './knex';
import { dbTime } from './time';

/** Shipments that have left the warehouse (or been replaced by one that has): never cancelled here. */
export const HANDED_OVER_SHIPMENT = ['shipped', 'delivered', 'returned_to_sender', 'refunded', 'expired', 'lost', 'replaced'];

/**
 * The first step of cancelling an order, or the unshipped rest of it (P1.10, P2.4, P2.10 decisions;
 * a customer's cancellation; a failure). One transaction closes everything that has not left the
 * warehouse, so that a side effect still in flight finds it closed and refuses or undoes itself:
 * - the order is marked (cancel_requested_at): a late charge attempt refuses, or voids / refunds;
 * - every line not shipped is cancelled and gives its reservation back: a late reservation cannot
 *   claim it (reserveLine skips cancelled lines);
 * - the order's waiting back-orders are cancelled;
 * - every shipment not handed over is cancelled: a late booking finds it cancelled and cancels its
 *   own waybill; the carrier calls for bookings already made come after (cancelBookings).
 * Idempotent. Returns the SKUs whose reserved units went back on the shelf (for waiting back-orders).
 */
export async function beginCancellation(db: Db, orderNo: string): Promise<{ releasedSkus: string[] }> {
  return db.transaction(async (trx) => {
    const now = dbTime();
    // A write first: SQLite takes its write lock at once instead of failing to upgrade a read.
    await trx('orders').where({ order_no: orderNo }).whereNull('cancel_requested_at').update({ cancel_requested_at: now });
    const released = new Set<string>();
    const lines = await trx('order_lines').where({ order_no: orderNo }).whereNotIn('status', ['shipped', 'cancelled']);
    for (const line of lines) {
      const changed = await trx('order_lines').where({ id: line.id }).whereNotIn('status', ['shipped', 'cancelled']).update({ status: 'cancelled', reserved_quantity: 0 });
      if (changed && line.reserved_quantity > 0) {
        await trx('inventory').where({ sku: line.sku }).update({ reserved: trx.raw('reserved - ?', [line.reserved_quantity]), updated_at: now });
        released.add(line.sku);
      }
    }
    await trx('back_orders').where({ order_no: orderNo, status: 'waiting' }).update({ status: 'cancelled' });
    await trx('shipments').where({ order_no: orderNo }).whereNotIn('status', [...HANDED_OVER_SHIPMENT, 'cancelled']).update({ status: 'cancelled' });
    return { releasedSkus: [...released] };
  });
}

/** Whether the order's cancellation (or that of its unshipped rest) has begun. */
export async function cancellationRequested(db: Db, orderNo: string): Promise<boolean> {
  const row = await db('orders').where({ order_no: orderNo }).first('cancel_requested_at');
  return Boolean(row?.cancel_requested_at);
}

/** What the order's shipped lines are worth: what the customer keeps paying for after a partial cancellation. */
export async function shippedValue(db: Db, orderNo: string): Promise<number> {
  const lines = await db('order_lines').where({ order_no: orderNo, status: 'shipped' });
  const cents = lines.reduce((sum: number, l: { quantity: number; unit_price: number | string }) => sum + l.quantity * Math.round(Number(l.unit_price) * 100), 0);
  return cents / 100;
}
