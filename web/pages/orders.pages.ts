import { Router } from 'express';
import { listCatalog, listSellOutLines, setStockoutPolicy, UnknownCatalogSkuError } from '../../db/catalog';
import { listWaitingRestockLines } from '../../db/back-orders';
import { isStockoutPolicy, restockWaitSummary, sellOutSummary, STOCKOUT_POLICIES } from '../../domain/stockout';
import type { Db } from '../../db/knex';
import { listOrders } from '../../db/orders';
import { ORDER_STATUSES } from '../../domain/types';
import { requireRole } from '../auth/roles';
import { renderPage } from '../render';
import { loadOrderView } from '../services/order-view';

const PAGE_SIZE = 50;

export function orderPages(db: Db, readDb: Db = db): Router {
  const r = Router();

  r.get('/', (_req, res) => res.redirect('/orders'));

  r.get('/orders', requireRole('staff'), async (req, res) => {
    const status = ORDER_STATUSES.find((s) => s === req.query.status);
    const page = Math.max(1, Number.parseInt(String(req.query.page ?? '1'), 10) || 1);
    const { rows, total } = await listOrders(readDb, { status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    await renderPage(req, res, 'orders', { orders: rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), status: status ?? '', statuses: ORDER_STATUSES });
  });

  r.get('/orders/:orderNo', requireRole('staff'), async (req, res) => {
    const order = await loadOrderView(db, req.params.orderNo);
    if (!order) return renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    await renderPage(req, res, 'order', { order });
  });

  const catalogPage = async (req: Parameters<typeof renderPage>[0], res: Parameters<typeof renderPage>[1], extra: { noticeKey?: string; errorKey?: string } = {}, status = 200) => {
    await renderPage(req, res, 'catalog', { items: await listCatalog(db), policies: STOCKOUT_POLICIES, sellOuts: sellOutSummary(await listSellOutLines(db)), restockWaits: restockWaitSummary(await listWaitingRestockLines(db)), noticeKey: extra.noticeKey ?? '', errorKey: extra.errorKey ?? '' }, status);
  };

  r.get('/catalog', requireRole('staff'), async (req, res) => {
    await catalogPage(req, res, { noticeKey: req.query.changed === '1' ? 'catalog.policyChanged' : undefined });
  });

  /** P1.10: an admin changes a SKU's stockout policy (audited). */
  r.post('/catalog/:sku/stockout-policy', requireRole('admin'), async (req, res) => {
    const policy = req.body?.policy;
    const reason = typeof req.body?.reason === 'string' && req.body.reason.trim() ? req.body.reason.trim().slice(0, 1000) : null;
    if (!isStockoutPolicy(policy)) return catalogPage(req, res, { errorKey: 'catalog.policyInvalid' }, 400);
    try {
      await setStockoutPolicy(db, { sku: req.params.sku, policy, actor: req.user!.username, reason });
    } catch (err) {
      if (err instanceof UnknownCatalogSkuError) return catalogPage(req, res, { errorKey: 'catalog.policyInvalid' }, 404);
      throw err;
    }
    res.redirect(303, '/catalog?changed=1');
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
