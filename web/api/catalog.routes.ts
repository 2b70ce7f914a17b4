import { Router } from 'express';
import { listCatalog, listSellOutLines, setStockoutPolicy, UnknownCatalogSkuError } from '../../db/catalog';
import type { Db } from '../../db/knex';
import { listWaitingRestockLines } from '../../db/back-orders';
import { isStockoutPolicy, restockWaitSummary, sellOutSummary, STOCKOUT_POLICIES } from '../../domain/stockout';
import type { ValidationIssue } from '../../domain/types';
import { callerName } from './auth';

export function catalogApi(db: Db): Router {
  const r = Router();
  r.get('/catalog', async (_req, res) => {
    const items = await listCatalog(db);
    res.json(
      items.map((i) => ({
        sku: i.sku,
        name: i.name,
        nameZh: i.nameZh,
        spec: i.spec,
        unitPrice: i.unitPrice,
        currency: i.currency,
        weightGrams: i.weightGrams,
        fragile: i.fragile,
        onHand: i.onHand,
        reserved: i.reserved,
        stockoutPolicy: i.stockoutPolicy,
      })),
    );
  });

  /** P1.10: the order lines refunded because a `limited` SKU sold out, per SKU. */
  r.get('/catalog/sell-outs', async (_req, res) => {
    res.json(sellOutSummary(await listSellOutLines(db)));
  });

  /** Issue 15: per SKU, the orders (and units) waiting for its restock. */
  r.get('/catalog/restock-waits', async (_req, res) => {
    res.json(restockWaitSummary(await listWaitingRestockLines(db)));
  });

  /** P1.10: `{policy: ask|restockable|limited, reason?, changedBy?}`; audited as the calling key's name (`changedBy` is accepted but chooses nothing, as decidedBy). */
  r.put('/catalog/:sku/stockout-policy', async (req, res) => {
    const body = req.body;
    const details: ValidationIssue[] = [];
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      details.push({ path: '', message: 'the body must be a JSON object {"policy": "ask" | "restockable" | "limited"}' });
    } else {
      for (const k of Object.keys(body)) if (!['policy', 'reason', 'changedBy'].includes(k)) details.push({ path: k, message: 'unknown field' });
      if (!isStockoutPolicy(body.policy)) details.push({ path: 'policy', message: `must be one of ${STOCKOUT_POLICIES.join(', ')}` });
      for (const k of ['reason', 'changedBy']) {
        const v = body[k];
        if (v !== undefined && (typeof v !== 'string' || v.length > (k === 'reason' ? 1000 : 100) || (k === 'changedBy' && !v.trim()))) details.push({ path: k, message: 'must be a short non-empty text' });
      }
    }
    if (details.length) {
      res.status(400).json({ error: 'validation_failed', details });
      return;
    }
    try {
      const changed = await setStockoutPolicy(db, { sku: req.params.sku, policy: body.policy, actor: callerName(req), reason: body.reason ?? null });
      res.json({ sku: req.params.sku, stockoutPolicy: changed.to, previous: changed.from });
    } catch (err) {
      if (err instanceof UnknownCatalogSkuError) {
        res.status(404).json({ error: 'not_found', message: err.message });
        return;
      }
      throw err;
    }
  });
  return r;
}
