import { Request, Response, Router } from 'express';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { DeliveryStatus, disableSubscription, getDelivery, getSubscription, listAttempts, listDeliveries, listSubscriptions, rotateSubscriptionSecret } from '../../db/outbound-webhooks';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../../domain/outbound-webhooks';
import { checkSubscriptionInput, redeliver, subscribe } from '../services/webhook-subscriptions';
import { requireRole } from '../auth/roles';
import { renderPage } from '../render';
import type { TemporalGateway } from '../services/order-intake';

const STATUSES: DeliveryStatus[] = ['pending', 'sending', 'retrying', 'delivered', 'failed'];

/**
 * Issue 13, outbound webhooks: the admin page of subscriptions (a new one's signing secret is shown
 * once), the delivery log (status, attempts, last answer), one delivery's attempts, and redeliver
 * (the same event id again, audited).
 */
export function webhookPages(db: Db, temporal: Pick<TemporalGateway, 'client' | 'taskQueue'>, opts: { allowPrivate: () => boolean }): Router {
  const r = Router();
  const page = async (req: Request, res: Response, extra: { errorKey?: string; created?: { name: string; secret: string; rotated?: boolean }; form?: { name: string; url: string; types: string[] } } = {}, status = 200) => {
    res.set('Cache-Control', 'no-store');
    const filter = typeof req.query.status === 'string' && (STATUSES as string[]).includes(req.query.status) ? (req.query.status as DeliveryStatus) : undefined;
    await renderPage(req, res, 'admin/webhooks', {
      subscriptions: await listSubscriptions(db),
      deliveries: await listDeliveries(db, { status: filter, limit: 100 }),
      eventTypes: WEBHOOK_EVENT_TYPES,
      statuses: STATUSES,
      filter: filter ?? '',
      created: extra.created ?? null,
      form: extra.form ?? { name: '', url: '', types: [] },
      errorKey: extra.errorKey ?? '',
      noticeKey: req.query.done === 'disabled' ? 'webhooks.done.disabled' : '',
    }, status);
  };

  r.get('/admin/webhooks', requireRole('admin'), async (req, res) => page(req, res));

  r.post('/admin/webhooks', requireRole('admin'), async (req, res) => {
    const raw = req.body?.eventTypes;
    const types = (Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === 'string');
    const form = { name: typeof req.body?.name === 'string' ? req.body.name.slice(0, 200) : '', url: typeof req.body?.url === 'string' ? req.body.url.slice(0, 2001) : '', types: types.filter(isWebhookEventType) };
    const checked = checkSubscriptionInput({ name: req.body?.name, url: req.body?.url, eventTypes: types }, opts.allowPrivate());
    if (!checked.ok) return page(req, res, { errorKey: `webhooks.error.${checked.error}`, form }, 400);
    const { secret } = await subscribe(db, checked, req.user!.username);
    await page(req, res, { created: { name: checked.name, secret } }, 201);
  });

  r.post('/admin/webhooks/:id/disable', requireRole('admin'), async (req, res) => {
    const id = Number.parseInt(String(req.params.id), 10);
    const sub = Number.isSafeInteger(id) && /^\d{1,9}$/.test(String(req.params.id)) ? await getSubscription(db, id) : undefined;
    if (!sub || sub.disabledAt) return void (await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404));
    await disableSubscription(db, id, req.user!.username);
    await recordAudit(db, { actor: req.user!.username, action: 'webhook.subscription_disabled', subject: `webhook_subscription:${id}`, data: { name: sub.name, url: sub.url } });
    res.redirect(303, '/admin/webhooks?done=disabled');
  });

  r.post('/admin/webhooks/:id/rotate', requireRole('admin'), async (req, res) => {
    const id = Number.parseInt(String(req.params.id), 10);
    const sub = Number.isSafeInteger(id) && /^\d{1,9}$/.test(String(req.params.id)) ? await getSubscription(db, id) : undefined;
    const secret = sub && !sub.disabledAt ? await rotateSubscriptionSecret(db, id) : undefined;
    if (!sub || !secret) return void (await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404));
    await recordAudit(db, { actor: req.user!.username, action: 'webhook.secret_rotated', subject: `webhook_subscription:${id}`, data: { name: sub.name } });
    await page(req, res, { created: { name: sub.name, secret, rotated: true } }, 200);
  });

  const deliveryOf = async (req: Request) => {
    const id = String(req.params.id);
    return /^dlv_[0-9a-f]{24}$/.test(id) ? getDelivery(db, id) : undefined;
  };

  r.get('/admin/webhooks/deliveries/:id', requireRole('admin'), async (req, res) => {
    const delivery = await deliveryOf(req);
    if (!delivery) return void (await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404));
    res.set('Cache-Control', 'no-store');
    await renderPage(req, res, 'admin/webhook-delivery', {
      delivery,
      attempts: await listAttempts(db, delivery.id),
      noticeKey: req.query.done === 'redelivered' ? 'webhooks.done.redelivered' : '',
      errorKey: '',
    });
  });

  r.post('/admin/webhooks/deliveries/:id/redeliver', requireRole('admin'), async (req, res) => {
    const outcome = await redeliver(db, temporal, String(req.params.id), req.user!.username);
    if (outcome.kind === 'not_found') return void (await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404));
    if (outcome.kind === 'busy') {
      const delivery = (await deliveryOf(req))!;
      res.set('Cache-Control', 'no-store');
      return void (await renderPage(req, res, 'admin/webhook-delivery', { delivery, attempts: await listAttempts(db, delivery.id), noticeKey: '', errorKey: 'webhooks.error.busy' }, 409));
    }
    res.redirect(303, `/admin/webhooks/deliveries/${String(req.params.id)}?done=redelivered`);
  });

  return r;
}
