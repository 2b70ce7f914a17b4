import { Router } from 'express';
import type { Db } from '../../db/knex';
import { listOrderSummaries } from '../../db/orders';
import { ORDER_STATUSES } from '../../domain/types';
import { submitOrder, TemporalGateway } from '../services/order-intake';
import { loadOrderView } from '../services/order-view';
import { parseListQuery } from './list-query';

export function ordersApi(db: Db, temporal: TemporalGateway, readDb: Db = db): Router {
  const r = Router();

  r.post('/orders', async (req, res) => {
    // The whole request at debug: customer and address fields are removed by the logger's redact paths.
    req.log.debug({ order: req.body }, 'order received');
    const result = await submitOrder(db, temporal, req.body);
    switch (result.kind) {
      case 'invalid':
        res.status(400).json({ error: 'validation_failed', details: result.issues });
        return;
      case 'conflict':
        res.status(409).json({ error: 'order_conflict', message: `order ${result.orderNo} exists with a different body` });
        return;
      case 'created':
        res.status(201).location(`/api/orders/${encodeURIComponent(result.body.orderNo)}`).json(result.body);
        return;
      case 'existing':
        res.status(200).json(result.body);
    }
  });

  r.get('/orders', async (req, res) => {
    const { status, limit, offset, issues } = parseListQuery(req.query, { statuses: ORDER_STATUSES, defaultLimit: 50, maxLimit: 200, allowed: ['status', 'limit', 'offset'] });
    if (issues.length) {
      res.status(400).json({ error: 'validation_failed', details: issues });
      return;
    }
    const { rows, total } = await listOrderSummaries(readDb, { status, limit, offset });
    res.json({ total, limit, offset, orders: rows.map((o) => ({ orderNo: o.orderNo, type: o.type, status: o.status, createdAt: o.createdAt, shippedAt: o.shippedAt })) });
  });

  r.get('/orders/:orderNo', async (req, res) => {
    const view = await loadOrderView(db, req.params.orderNo);
    if (!view) {
      res.status(404).json({ error: 'not_found', message: `no order ${req.params.orderNo}` });
      return;
    }
    res.json(view);
  });

  return r;
}
