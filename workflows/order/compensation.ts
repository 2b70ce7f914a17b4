import { carrier, db, payment, tellCustomer } from './activities';
import type { OrderContext } from './context';
import type { TaskDesk } from './task-desk';

/**
 * Undo, in reverse order of doing, everything of an order that has not left the warehouse: open
 * tasks, bookings (void the labels), back-orders, stock, and the charge (a pending one voided, the
 * unshipped part refunded). Parcels already handed over stay as they are and are still followed;
 * the order then counts as shipped (in part). Each step is idempotent, so a compensation that is
 * itself interrupted (a worker dies, the sweeper settles an abandoned order) can run again.
 *
 * Used by the order workflow on every way out, and by settleAbandonedOrder for orders whose
 * workflow ended without running it (terminated, or failed on a nondeterminism error).
 */
export async function undoUnshipped(ctx: OrderContext, desk: TaskDesk, reason: string, outcome: 'cancelled' | 'failed'): Promise<void> {
  const { orderNo } = ctx;
  const partial = ctx.shippedParcels > 0;
  await ctx.note(partial ? 'rest_cancelled' : 'cancellation', partial ? `the unshipped rest is cancelled: ${reason}` : reason);
  if (!partial) await db.recordCancelReason({ orderNo, reason });
  await db.cancelOpenTasks(orderNo);
  const { releasedSkus } = await db.beginCancellation(orderNo);
  await desk.persist('cancel the waybills of unshipped parcels', () => carrier.cancelBookings(orderNo));
  await db.allocateBackOrders(releasedSkus); // what this order gave back serves waiting back-orders first
  const money = await desk.persist('void or refund the charge', () =>
    payment.settleCancelledPayment({ orderNo, reason, idempotencyKey: partial ? `refund:${orderNo}:rest` : `refund:${orderNo}:cancel` }),
  );
  const refunded = money?.refunded ? `; refunded ${money.amount.toFixed(2)} ${ctx.order.currency}` : money?.charge === 'voided' ? '; the pending charge was voided' : '';
  if (money?.refunded) await tellCustomer({ orderNo, kind: 'refunded', dedupeKey: `refunded:cancel:${orderNo}`, amount: money.amount });
  if (partial) await ctx.moveTo('shipped', `P1.10: shipped in part; the rest was cancelled (${reason})${refunded}`);
  else await ctx.moveTo(outcome, `${reason}${refunded}`);
}
