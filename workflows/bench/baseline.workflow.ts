import { proxyActivities } from '@temporalio/workflow';

/** The baseline's only activity: does nothing, touches no database. */
export interface BaselineActivities {
  noop(step: number): Promise<void>;
}

// The same timeouts and retry policy as the order workflow's database steps (workflows/order/activities.ts).
const { noop } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Bare Temporal for `npm run bench`: as many activities, one after the other, as an order workflow
 * runs on its happy path, and nothing else. What this reaches is the limit of Temporal on this
 * machine; BoxFlow's orders per second are reported as a share of it.
 */
export async function benchBaseline(activityCount: number): Promise<number> {
  for (let i = 0; i < activityCount; i++) await noop(i);
  return activityCount;
}
