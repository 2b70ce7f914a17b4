import { Router } from 'express';
import type { Db } from '../../db/knex';
import { listOrders } from '../../db/orders';
import { submitOrder, TemporalGateway } from '../services/order-intake';
import { loadOrderView } from '../services/order-view';

export function ordersApi(db: Db, temporal: TemporalGateway): Router {
  const r = Router();

  r.post('/orders', async (req, res) => {
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
    const limit = Math.min(200, Math.max(1, Number.parseInt(String(req.query.limit ?? '50'), 10) || 50));
    const offset = Math.max(0, Number.parseInt(String(req.query.offset ?? '0'), 10) || 0);
    const status = typeof req.query.status === 'string' && /^[a-z_]{1,30}$/.test(req.query.status) ? req.query.status : undefined;
    const { rows, total } = await listOrders(db, { status, limit, offset });
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
