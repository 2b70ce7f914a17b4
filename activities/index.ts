import type { ActivityDeps } from './deps';
import { withClassifiedErrors } from './errors';
import { createInventoryActivities } from './inventory.activities';
import { createOrderActivities } from './order.activities';
import { createPaymentActivities } from './payment.activities';
import { createShipmentActivities } from './shipment.activities';
import { createTaskActivities } from './task.activities';
import { createNotificationActivities } from './notification.activities';
import { createReturnActivities } from './return.activities';
import { createTrackingActivities } from './tracking.activities';
import { createWarehouseActivities } from './warehouse.activities';
import { createWebhookActivities } from './webhooks.activities';
import { createStepActivities } from './steps.activities';

export type { ActivityDeps } from './deps';

/** All activities the worker registers, bound to their dependencies; permanent errors leave non-retryable. */
export function createActivities(deps: ActivityDeps) {
  return withClassifiedErrors({
    ...createOrderActivities(deps),
    ...createInventoryActivities(deps),
    ...createShipmentActivities(deps),
    ...createPaymentActivities(deps),
    ...createWarehouseActivities(deps),
    ...createTaskActivities(deps),
    ...createTrackingActivities(deps),
    ...createReturnActivities(deps),
    ...createNotificationActivities(deps),
    ...createWebhookActivities(deps),
    ...createStepActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
