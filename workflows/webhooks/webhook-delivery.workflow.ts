import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Outbound webhooks (issue 13): one workflow per delivery (an event to one subscription), started
 * with the delivery's id by activities/webhooks.activities.ts (or by a redelivery from the admin
 * page). Each attempt is an activity: a non-2xx answer, a timeout or a refused connection is retried
 * with exponential back-off (5 s, 15 s, 45 s, … at most 2 h apart, 10 attempts: about 5½ hours);
 * then the delivery is failed, and the delivery log offers to redeliver it. The activity claims the
 * delivery record before each attempt, so an event delivered once is not sent again by a retry.
 */
export const WEBHOOK_RETRY = { initialInterval: '5 seconds', backoffCoefficient: 3, maximumInterval: '2 hours', maximumAttempts: 10 } as const;

const send = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { ...WEBHOOK_RETRY, nonRetryableErrorTypes: ['NotFound', 'WebhookTargetRefused'] },
});

const store = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function webhookDelivery({ deliveryId }: { deliveryId: string }): Promise<{ deliveryId: string; status: 'delivered' | 'skipped' | 'failed' }> {
  try {
    const result = await send.deliverWebhook({ deliveryId });
    return { deliveryId, status: result.delivered ? 'delivered' : 'skipped' };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause.message : err.message;
    await store.failWebhookDelivery({ deliveryId, reason: `gave up: ${cause}`.slice(0, 500) });
    return { deliveryId, status: 'failed' };
  }
}
