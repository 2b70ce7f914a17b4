import { ActivityCancellationType, ActivityFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Activity stubs, one per kind of counterpart, with options chosen by what the activity talks to.
 *
 * Every stub waits for a cancelled activity to finish (WAIT_CANCELLATION_COMPLETED; the SDK's
 * effective default is TRY_CANCEL, which reports "cancelled" at once while the attempt may still
 * book, reserve or charge): compensation starts only after the side effect in flight has landed
 * or failed, so it sees and undoes it.
 *
 * Permanent errors are non-retryable (activities/errors.ts classifies them); what stays retryable
 * is retried with back-off. The app database is retried without a bound (an outage waits for the
 * database to return, and nothing a person decides would help; the metrics alert on activities
 * retrying for long). Providers outside the shop are retried a bounded number of times; then the
 * workflow takes the failure to a person or to the process's own contingency (next carrier, customs
 * hold, a step_failed task).
 */
const WAIT = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

/** Permanent failures thrown by activities (activities/errors.ts): never worth a retry. */
export const PERMANENT = ['NotFound', 'InvalidInput', 'ConstraintViolation', 'IdempotencyKeyReuse', 'CatalogChanged', 'UnknownOrderLine', 'NotShipped'];

/** The app database: short, idempotent transactions. */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  cancellationType: WAIT,
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: PERMANENT },
});

/**
 * Carriers (booking, cancelling waybills, rebooking, tracking feeds, return labels). The activity
 * heartbeats on a timer while the carrier answers, so a dead worker is noticed in seconds and the
 * call retried elsewhere with the same idempotency key (the shipment id).
 */
export const carrier = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  scheduleToCloseTimeout: '15 minutes',
  cancellationType: WAIT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: PERMANENT },
});

/** The customs broker's review (P2.10): an outside service like a carrier, heartbeating too. */
export const customs = carrier;

/**
 * The payment provider (refunds and voids: the idempotency key makes a retried call happen once).
 * requestPayment gets its own stub in the workflow, bounded by the order's payment deadline.
 */
export const payment = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds',
  scheduleToCloseTimeout: '10 minutes',
  cancellationType: WAIT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: PERMANENT },
});

/** The charge itself (P1.3): retried until the payment deadline at most, never beyond it. */
export function paymentRequest(paymentDeadlineMs: number) {
  const bound = Math.max(10_000, Math.min(paymentDeadlineMs, 10 * 60_000));
  return proxyActivities<Activities>({
    startToCloseTimeout: Math.min(60_000, bound),
    heartbeatTimeout: '15 seconds',
    scheduleToCloseTimeout: bound,
    cancellationType: WAIT,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: PERMANENT },
  });
}

/** Customer messages (e-mail, SMS): a few tries, then the order goes on and the timeline says so. */
export const messages = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds',
  cancellationType: WAIT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: PERMANENT },
});

/**
 * Tells the customer (idempotent by its dedupe key). A message that still fails after its retries
 * does not hold the order up: the outbox records the failure for the service team.
 */
export async function tellCustomer(input: Parameters<Activities['notifyCustomer']>[0]): Promise<void> {
  try {
    await messages.notifyCustomer(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
  }
}
