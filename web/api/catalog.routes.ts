import { Router } from 'express';
import { listCatalog } from '../../db/catalog';
import type { Db } from '../../db/knex';

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
      })),
    );
  });
  return r;
}
