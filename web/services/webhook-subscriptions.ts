import { WorkflowIdReusePolicy } from '@temporalio/common';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { createSubscription, getDelivery, markDeliveryFailed, resetForRedelivery, WebhookSubscription } from '../../db/outbound-webhooks';
import { checkWebhookUrl, deliveryWorkflowId, isWebhookEventType, WebhookEventType, WEBHOOK_DELIVERY_WORKFLOW } from '../../domain/outbound-webhooks';
import type { TemporalGateway } from './order-intake';

/** Outbound webhook subscriptions and redeliveries: the one path for the admin page and the API. */

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u;

/** BOXFLOW_WEBHOOK_ALLOW_PRIVATE=1: subscriptions may target loopback and private addresses (development, tests). */
export const allowPrivateWebhookTargets = () => process.env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE === '1';

export type SubscriptionInputError = 'name' | 'url.invalid' | 'url.scheme' | 'url.credentials' | 'url.private' | 'types';

export function checkSubscriptionInput(input: { name: unknown; url: unknown; eventTypes: unknown }, allowPrivate: boolean): { ok: true; name: string; url: string; eventTypes: WebhookEventType[] } | { ok: false; error: SubscriptionInputError } {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!NAME.test(name)) return { ok: false, error: 'name' };
  const verdict = checkWebhookUrl(typeof input.url === 'string' ? input.url.trim() : '', { allowPrivate });
  if (!verdict.ok) return { ok: false, error: `url.${verdict.reason}` };
  const raw = Array.isArray(input.eventTypes) ? input.eventTypes : [input.eventTypes];
  if (!raw.length || raw.length > 20 || !raw.every((t): t is WebhookEventType => typeof t === 'string' && isWebhookEventType(t))) return { ok: false, error: 'types' };
  return { ok: true, name, url: verdict.url, eventTypes: [...new Set(raw)] };
}

export async function subscribe(db: Db, input: { name: string; url: string; eventTypes: WebhookEventType[] }, actor: string): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const created = await createSubscription(db, { ...input, createdBy: actor });
  await recordAudit(db, { actor, action: 'webhook.subscription_created', subject: `webhook_subscription:${created.subscription.id}`, data: { name: input.name, url: created.subscription.url, eventTypes: created.subscription.eventTypes } });
  return created;
}

/**
 * Sends a delivered or failed delivery once more, with the same event id (`webhook-id`), through a
 * new workflow `webhook-<id>-r<n>`; audited. `busy` while the delivery is still being worked on.
 */
export async function redeliver(db: Db, temporal: Pick<TemporalGateway, 'client' | 'taskQueue'>, deliveryId: string, actor: string): Promise<{ kind: 'started'; redelivery: number } | { kind: 'not_found' } | { kind: 'busy' }> {
  const delivery = /^dlv_[0-9a-f]{24}$/.test(deliveryId) ? await getDelivery(db, deliveryId) : undefined;
  if (!delivery) return { kind: 'not_found' };
  const n = await resetForRedelivery(db, delivery.id);
  if (!n) return { kind: 'busy' };
  try {
    await temporal.client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW, {
      workflowId: deliveryWorkflowId(delivery.id, n),
      taskQueue: temporal.taskQueue,
      args: [{ deliveryId: delivery.id }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    // Not started: leave it failed (not pending with no workflow), so it can be redelivered again.
    await markDeliveryFailed(db, delivery.id, `redelivery could not start: ${(err as Error).message}`);
    throw err;
  }
  await recordAudit(db, { actor, action: 'webhook.redelivered', orderNo: delivery.orderNo, subject: `webhook_delivery:${delivery.id}`, data: { eventId: delivery.eventId, eventType: delivery.eventType, subscription: delivery.subscriptionName, redelivery: n } });
  return { kind: 'started', redelivery: n };
}
