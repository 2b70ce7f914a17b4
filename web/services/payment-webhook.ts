import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../db/knex';
import { getOrder } from '../../db/orders';
import { getCharge } from '../../db/payments';
import { toCents } from '../../adapters/payments/money';
import { PaymentResult, paymentResultSignal } from '../../workflows/order/messages';
import { TemporalGateway, workflowIdFor } from './order-intake';

export type PaymentWebhookResult =
  | { kind: 'accepted'; body: { orderNo: string; accepted: true; settlement?: 'refund_after_cancellation' } }
  | { kind: 'not_found' | 'order_closed' | 'order_not_started'; message: string };

/** What the provider says it charged: its reference for the charge, the amount and (optionally) the currency. */
export interface ReportedCharge {
  orderNo: string;
  reference: string;
  amount: number;
  currency?: string;
}

export type ChargeCheck = { kind: 'ok' } | { kind: 'not_found' | 'charge_unknown' | 'charge_mismatch'; message: string };

/**
 * In front of deliverPaymentResult: a provider's result must name the charge BoxFlow recorded for
 * the order — the same provider reference and the same amount (and currency, when given). A
 * result for another charge, or for another sum, changes nothing (409).
 */
export async function checkAgainstCharge(db: Db, reported: ReportedCharge): Promise<ChargeCheck> {
  const order = await getOrder(db, reported.orderNo);
  if (!order) return { kind: 'not_found', message: `no order ${reported.orderNo}` };
  const charge = await getCharge(db, reported.orderNo);
  if (!charge || !charge.providerRef) return { kind: 'charge_unknown', message: `order ${reported.orderNo} has no recorded charge yet; retry later` };
  if (charge.providerRef !== reported.reference) return { kind: 'charge_mismatch', message: `reference does not match the charge of order ${reported.orderNo}` };
  if (toCents(charge.amount) !== toCents(reported.amount)) return { kind: 'charge_mismatch', message: `amount does not match the charge of order ${reported.orderNo}` };
  if (reported.currency !== undefined && reported.currency !== charge.currency) return { kind: 'charge_mismatch', message: `currency does not match the charge of order ${reported.orderNo}` };
  return { kind: 'ok' };
}

/**
 * P1.3: how a pending charge ended, as the payment provider tells it. A running order gets it as
 * paymentResultSignal (its workflow records it, compare-and-set from pending, so repeated deliveries
 * change nothing). An order that was cancelled or failed before the provider decided gets a
 * settleLatePayment workflow instead (`late-payment-<orderNo>`): a success is recorded and refunded,
 * so the customer never pays for a cancelled order.
 */
export async function deliverPaymentResult(db: Db, temporal: TemporalGateway, value: { orderNo: string } & PaymentResult): Promise<PaymentWebhookResult> {
  const order = await getOrder(db, value.orderNo);
  if (!order) return { kind: 'not_found', message: `no order ${value.orderNo}` };
  const handle = temporal.client.workflow.getHandle(workflowIdFor(value.orderNo));
  const result: PaymentResult = { status: value.status, ...(value.reference !== undefined ? { reference: value.reference } : {}) };
  try {
    await handle.signal(paymentResultSignal, result);
    return { kind: 'accepted', body: { orderNo: value.orderNo, accepted: true } };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  // Not found: either the workflow has completed (signals go to running workflows only) or it was
  // never started (the intake sweep will start it; a provider retries a non-2xx webhook).
  try {
    await handle.describe();
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
    return { kind: 'order_not_started', message: `the workflow of order ${value.orderNo} has not started yet; retry later` };
  }
  const now = (await getOrder(db, value.orderNo)) ?? order;
  if (value.status === 'succeeded' && (now.status === 'cancelled' || now.status === 'failed')) {
    try {
      await temporal.client.workflow.start('settleLatePayment', {
        taskQueue: temporal.taskQueue,
        workflowId: `late-payment-${value.orderNo}`,
        args: [{ orderNo: value.orderNo, status: value.status, ...(value.reference !== undefined ? { reference: value.reference } : {}) }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // a repeated delivery: settled once
    }
    return { kind: 'accepted', body: { orderNo: value.orderNo, accepted: true, settlement: 'refund_after_cancellation' } };
  }
  return { kind: 'order_closed', message: `order ${value.orderNo} is no longer waiting for anything` };
}
