import { Router } from 'express';
import { loadServiceOrder, searchOrders } from '../../db/customer-service';
import type { Db } from '../../db/knex';
import { buildOrderStory, carrierName, formatShopDateTime, StoryLang, trackingStatusLabel } from '../../domain/order-story';
import { requireRole } from '../auth/roles';
import { pickLang } from '../i18n';
import { renderPage } from '../render';

const MAX_Q = 64;

/** P3.5 customer service: search by order number, phone or waybill; read an order's story aloud. */
export function servicePages(db: Db): Router {
  const r = Router();

  r.get('/service', requireRole('staff'), async (req, res) => {
    const raw = req.query.q;
    if (raw === undefined || raw === '') return renderPage(req, res, 'service/index', { q: '', searched: false, matches: [], errorKey: null });
    // One short printable string; anything else is refused without echoing it back.
    if (typeof raw !== 'string' || raw.trim().length > MAX_Q || /[\u0000-\u001f\u007f]/.test(raw)) {
      return renderPage(req, res, 'service/index', { q: '', searched: false, matches: [], errorKey: 'service.badQuery' }, 400);
    }
    const q = raw.trim();
    const matches = (await searchOrders(db, q)).map((m) => ({ ...m, createdLocal: formatShopDateTime(m.createdAt) }));
    await renderPage(req, res, 'service/index', { q, searched: true, matches, errorKey: null });
  });

  r.get('/service/orders/:orderNo', requireRole('staff'), async (req, res) => {
    const order = req.params.orderNo.length <= 64 ? await loadServiceOrder(db, req.params.orderNo) : undefined;
    if (!order) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    // The story can be told in the customer's language, whatever the page's language is.
    const storyLang: StoryLang = req.query.story === 'en' || req.query.story === 'zh' ? req.query.story : pickLang(req);
    const story = buildOrderStory(order.story, storyLang);
    const lang = pickLang(req);
    const shipments = order.shipments.map((s) => ({
      ...s,
      carrierLabel: s.carrier ? carrierName(s.carrier, lang) : null,
      trackingLabel: s.trackingStatus ? trackingStatusLabel(s.trackingStatus, lang) : null,
    }));
    await renderPage(req, res, 'service/order', { order, createdLocal: formatShopDateTime(order.createdAt), shipments, story, storyLang });
  });

  return r;
}
