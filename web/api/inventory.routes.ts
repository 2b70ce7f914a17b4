import { Response, Router } from 'express';
import type { Db } from '../../db/knex';
import type { ValidationIssue } from '../../domain/types';
import type { TemporalGateway } from '../services/order-intake';
import { BelowReservedError, getStockView, restock, setOnHand, UnknownSkuError } from '../services/restock';

export const MAX_STOCK_FIGURE = 1_000_000;

/** Checks that the body is exactly `{[field]: integer in [min, MAX_STOCK_FIGURE]}`. */
function integerBody(body: unknown, field: string, min: number): { value?: number; issues: ValidationIssue[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { issues: [{ path: '', message: `the body must be a JSON object {"${field}": integer}` }] };
  }
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(body)) if (key !== field) issues.push({ path: key, message: 'unknown field' });
  const value = (body as Record<string, unknown>)[field];
  if (value === undefined) issues.push({ path: field, message: 'required' });
  else if (typeof value !== 'number' || !Number.isInteger(value)) issues.push({ path: field, message: 'must be an integer' });
  else if (value < min) issues.push({ path: field, message: `must be at least ${min}` });
  else if (value > MAX_STOCK_FIGURE) issues.push({ path: field, message: `must be at most ${MAX_STOCK_FIGURE}` });
  return issues.length ? { issues } : { value: value as number, issues };
}

function notFound(res: Response, sku: string) {
  res.status(404).json({ error: 'not_found', message: `no stock record for SKU ${sku}` });
}

/** Stock (P1.2) and restock with back-order allocation (P1.10). Mounted inside /api (API key applies). */
export function inventoryApi(db: Db, temporal: TemporalGateway): Router {
  const r = Router();

  r.get('/inventory/:sku', async (req, res) => {
    const view = await getStockView(db, req.params.sku);
    if (!view) return notFound(res, req.params.sku);
    res.json(view);
  });

  // An ERP sync or a stock count: on hand becomes this figure; waiting back-orders are then served.
  r.put('/inventory/:sku', async (req, res) => {
    const { sku } = req.params;
    const { value, issues } = integerBody(req.body, 'onHand', 0);
    if (value === undefined) {
      res.status(400).json({ error: 'validation_failed', details: issues });
      return;
    }
    try {
      await setOnHand(db, temporal, sku, value);
    } catch (err) {
      if (err instanceof UnknownSkuError) return notFound(res, sku);
      if (err instanceof BelowReservedError) {
        res.status(409).json({ error: 'below_reserved', message: err.message, reserved: err.reserved });
        return;
      }
      throw err;
    }
    res.json(await getStockView(db, sku));
  });

  // Goods arrived: on hand goes up by quantity; waiting back-orders are served first come first.
  r.post('/inventory/:sku/restock', async (req, res) => {
    const { sku } = req.params;
    const { value, issues } = integerBody(req.body, 'quantity', 1);
    if (value === undefined) {
      res.status(400).json({ error: 'validation_failed', details: issues });
      return;
    }
    let filled: string[];
    try {
      filled = await restock(db, temporal, sku, value);
    } catch (err) {
      if (err instanceof UnknownSkuError) return notFound(res, sku);
      throw err;
    }
    res.json({ ...(await getStockView(db, sku)), filled });
  });

  return r;
}
