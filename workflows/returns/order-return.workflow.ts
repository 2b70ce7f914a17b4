import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { FulfillmentPolicy } from '../../domain/policy';
import { db, payment, tellCustomer } from '../order/activities';
import { stepKey } from '../order/context';
import { ReturnReceipt, returnReceivedSignal } from '../order/messages';
import type { OrderProgress } from '../order/state';
import { TaskDesk } from '../order/task-desk';

export interface OrderReturnInput {
  rmaNo: string;
  orderNo: string;
  source: 'customer' | 'returned_to_sender';
  policy: FulfillmentPolicy;
}

export interface OrderReturnResult {
  rmaNo: string;
  status: 'refunded' | 'expired';
  refunded: number;
  orderReturned: boolean;
}

const RETURN_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * P3.3 / P3.4 one return: a return label (for a customer's return), the goods received and graded
 * by the warehouse, resellable units restocked and damaged ones written off, the refund, and the
 * customer told at each step. A parcel returned to sender enters here without a label.
 */
export async function orderReturn({ rmaNo, orderNo, source, policy }: OrderReturnInput): Promise<OrderReturnResult> {
  let receipt: ReturnReceipt | undefined;
  setHandler(returnReceivedSignal, (r) => {
    receipt ??= r;
  });
  let seq = 0;
  const progress: Pick<OrderProgress, 'waitingFor' | 'openTasks'> = { waitingFor: null, openTasks: [] };
  // A refund the provider keeps failing goes to a person (step_failed), not into endless retries.
  const desk = new TaskDesk({ orderNo, policy, progress, nextKey: (what) => stepKey(rmaNo, ++seq, what) });

  if (source === 'customer') {
    const label = await db.issueReturnLabel(rmaNo);
    await tellCustomer({ orderNo, kind: 'return_label', dedupeKey: `return-label:${rmaNo}`, carrier: label.carrier, trackingNo: label.waybillNo, rmaNo });
  }
  const arrived = await condition(() => receipt !== undefined, RETURN_WINDOW_MS * policy.timeScale);
  if (!arrived) {
    await db.closeReturn({ rmaNo, status: 'expired', refundAmount: 0 });
    await condition(allHandlersFinished);
    return { rmaNo, status: 'expired', refunded: 0, orderReturned: false };
  }
  await db.receiveReturn({ rmaNo, lines: receipt!.lines, receivedBy: receipt!.receivedBy });
  await tellCustomer({ orderNo, kind: 'return_received', dedupeKey: `return-received:${rmaNo}`, rmaNo });
  await db.settleReturnedStock(rmaNo);
  const amount = await db.returnValue(rmaNo);
  const refund = amount > 0 ? ((await desk.persist(`refund return ${rmaNo}`, () => payment.refundPayment({ orderNo, amount, reason: `P3.4: return ${rmaNo}`, idempotencyKey: `refund:${orderNo}:return:${rmaNo}` }))) ?? { refunded: false, amount: 0 }) : { refunded: false, amount: 0 };
  if (refund.refunded) await tellCustomer({ orderNo, kind: 'refunded', dedupeKey: `refunded:return:${rmaNo}`, amount: refund.amount, rmaNo });
  const closed = await db.closeReturn({ rmaNo, status: 'refunded', refundAmount: refund.amount });
  await condition(allHandlersFinished);
  return { rmaNo, status: 'refunded', refunded: refund.amount, orderReturned: closed.orderReturned };
}
