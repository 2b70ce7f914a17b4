import { Router } from 'express';
import { listCatalog } from '../../db/catalog';
import type { Db } from '../../db/knex';
import { listOrders } from '../../db/orders';
import { ORDER_STATUSES } from '../../domain/types';
import { requireRole } from '../auth/roles';
import { renderPage } from '../render';
import { loadOrderView } from '../services/order-view';

const PAGE_SIZE = 50;

export function orderPages(db: Db): Router {
  const r = Router();

  r.get('/', (_req, res) => res.redirect('/orders'));

  r.get('/orders', requireRole('staff'), async (req, res) => {
    const status = ORDER_STATUSES.find((s) => s === req.query.status);
    const page = Math.max(1, Number.parseInt(String(req.query.page ?? '1'), 10) || 1);
    const { rows, total } = await listOrders(db, { status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    await renderPage(req, res, 'orders', { orders: rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), status: status ?? '', statuses: ORDER_STATUSES });
  });

  r.get('/orders/:orderNo', requireRole('staff'), async (req, res) => {
    const order = await loadOrderView(db, req.params.orderNo);
    if (!order) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    await renderPage(req, res, 'order', { order });
  });

  r.get('/catalog', requireRole('staff'), async (req, res) => {
    await renderPage(req, res, 'catalog', { items: await listCatalog(db) });
  });

  /** The language switch: a cookie, then back to a path on this site. */
  r.get('/lang/:lang', (req, res) => {
    const lang = req.params.lang === 'en' ? 'en' : 'zh';
    const next = typeof req.query.next === 'string' && /^\/(?!\/)[\w\-./%]*$/.test(req.query.next) ? req.query.next : '/orders';
    res.cookie('lang', lang, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
    res.redirect(next);
  });

  return r;
}
