import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { allHandlersFinished, condition, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { buildPolicy } from '../../domain/policy';
import { db, payment } from './activities';
import { undoUnshipped } from './compensation';
import { OrderContext } from './context';
import { TaskDesk } from './task-desk';

/**
 * Orders whose workflow ended without compensating: terminated from the Temporal UI or CLI, failed
 * on a nondeterminism error (a bad deploy), timed out. Nothing in the order's own workflow can run
 * after such an end, so this one settles it: the same compensation (compensation.ts), then the
 * order is `failed` (or `shipped` for the part that had left). Started once per order
 * (`settle-<orderNo>`) by settleAbandonedOrders, which a Temporal schedule runs every few minutes.
 */
export async function settleAbandonedOrder({ orderNo, why }: { orderNo: string; why: string }): Promise<{ orderNo: string; status: string }> {
  const brief = await db.settlementBrief(orderNo);
  if (!brief) return { orderNo, status: 'not_found' };
  const policy = buildPolicy({ timeScale: brief.timeScale });
  const ctx = new OrderContext(brief.order, policy, { progress: { orderNo, status: brief.status, waitingFor: null, shipments: brief.shipments, openTasks: [] }, seq: 0, serviceLevel: 'standard', handedOver: brief.shipments.some((s) => s.shipped) }, `settle:${orderNo}`);
  const desk = new TaskDesk(ctx);
  if (brief.settled) return { orderNo, status: brief.status };
  await undoUnshipped(ctx, desk, `the order's workflow ended without finishing (${why}); settled by BoxFlow`, 'failed');
  await condition(allHandlersFinished);
  return { orderNo, status: ctx.progress.status };
}

/** Finds orders whose workflow ended abnormally and are not settled, and settles each once. */
export async function settleAbandonedOrders(): Promise<{ started: string[] }> {
  const started: string[] = [];
  for (const { orderNo, why } of await db.findAbandonedOrders()) {
    try {
      await startChild(settleAbandonedOrder, { workflowId: `settle-${orderNo}`, args: [{ orderNo, why }], parentClosePolicy: ParentClosePolicy.ABANDON });
      started.push(orderNo);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return { started };
}

/**
 * A payment provider confirmed a charge after the order was cancelled (its webhook came late):
 * record it, and give back everything not shipped (the same key as the cancellation's refund, so
 * the customer is refunded once however the two race).
 */
export async function settleLatePayment({ orderNo, status, reference }: { orderNo: string; status: 'succeeded' | 'failed'; reference?: string }): Promise<{ refunded: boolean; amount: number }> {
  await payment.recordPaymentResult({ orderNo, status, reference });
  const r = await payment.settleCancelledPayment({ orderNo, reason: 'payment confirmed after the order was cancelled', idempotencyKey: `refund:${orderNo}:cancel` });
  return { refunded: r.refunded, amount: r.amount };
}
