import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Activity stubs with retry policies chosen by what they talk to. Database steps retry quickly;
 * carrier calls heartbeat, so a dead worker is noticed in seconds and the booking retried elsewhere
 * with the same idempotency key.
 */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export const carrier = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['CatalogChanged'] },
});

/** Payments: the idempotency key makes a retried charge or refund happen once at the provider. */
export const payment = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
