import { Router } from 'express';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { DeliveryStatus, disableSubscription, getSubscription, listDeliveries, listSubscriptions } from '../../db/outbound-webhooks';
import type { TemporalGateway } from '../services/order-intake';
import { allowPrivateWebhookTargets, checkSubscriptionInput, redeliver, subscribe } from '../services/webhook-subscriptions';

const STATUSES: DeliveryStatus[] = ['pending', 'sending', 'retrying', 'delivered', 'failed'];
const one = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Outbound webhooks through the API (scope `webhooks:manage`): the same as the admin page
 * /admin/webhooks. A new subscription's secret is in the 201 answer and nowhere afterwards.
 */
export function webhookSubscriptionsApi(db: Db, temporal: Pick<TemporalGateway, 'client' | 'taskQueue'>): Router {
  const r = Router();
  const actor = (req: { apiCaller?: { name: string } }) => req.apiCaller?.name ?? 'api';

  r.get('/webhook-subscriptions', async (_req, res) => {
    res.json(await listSubscriptions(db));
  });

  r.post('/webhook-subscriptions', async (req, res) => {
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {};
    const extra = Object.keys(body).filter((k) => !['name', 'url', 'eventTypes'].includes(k));
    if (extra.length) return void res.status(400).json({ error: 'validation_failed', details: extra.map((k) => ({ path: k.slice(0, 50), message: 'unknown field' })) });
    const checked = checkSubscriptionInput({ name: body.name, url: body.url, eventTypes: body.eventTypes ?? [] }, allowPrivateWebhookTargets());
    if (!checked.ok) {
      const path = checked.error === 'types' ? 'eventTypes' : checked.error.split('.')[0];
      return void res.status(400).json({ error: 'validation_failed', details: [{ path, message: checked.error }] });
    }
    const { subscription, secret } = await subscribe(db, checked, actor(req));
    res.status(201).json({ ...subscription, secret });
  });

  r.post('/webhook-subscriptions/:id/disable', async (req, res) => {
    const id = /^\d{1,9}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const sub = Number.isSafeInteger(id) ? await getSubscription(db, id) : undefined;
    if (!sub || sub.disabledAt) return void res.status(404).json({ error: 'not_found', message: 'no live subscription with that id' });
    await disableSubscription(db, id, actor(req));
    await recordAudit(db, { actor: actor(req), action: 'webhook.subscription_disabled', subject: `webhook_subscription:${id}`, data: { name: sub.name, url: sub.url } });
    res.json(await getSubscription(db, id));
  });

  r.get('/webhook-deliveries', async (req, res) => {
    const status = one(req.query.status);
    const orderNo = one(req.query.orderNo);
    const limitRaw = one(req.query.limit);
    const limit = limitRaw === undefined ? 100 : /^\d{1,3}$/.test(limitRaw) ? Number(limitRaw) : NaN;
    if ((status !== undefined && !(STATUSES as string[]).includes(status)) || !(limit >= 1 && limit <= 500) || (orderNo !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(orderNo)) || (req.query.status !== undefined && status === undefined) || (req.query.orderNo !== undefined && orderNo === undefined)) {
      return void res.status(400).json({ error: 'validation_failed', details: [{ path: 'query', message: `status one of ${STATUSES.join(', ')}; limit 1–500; orderNo letters, digits and -` }] });
    }
    res.json(await listDeliveries(db, { status: status as DeliveryStatus | undefined, orderNo, limit }));
  });

  r.post('/webhook-deliveries/:id/redeliver', async (req, res) => {
    const outcome = await redeliver(db, temporal, req.params.id, actor(req));
    if (outcome.kind === 'not_found') return void res.status(404).json({ error: 'not_found', message: 'no such delivery' });
    if (outcome.kind === 'busy') return void res.status(409).json({ error: 'in_progress', message: 'the delivery is still being worked on; redeliver it once it is delivered or failed' });
    res.status(202).json({ deliveryId: req.params.id, redelivery: outcome.redelivery });
  });

  return r;
}
