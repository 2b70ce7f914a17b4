import type { CatalogItem } from '../domain/types';
import { dbTime } from './time';
import type { Db } from './knex';
import { openStock } from './inventory';
import { barcodeForSku, caseBarcodeFor } from '../domain/barcodes';
import { DEFAULT_STOCKOUT_POLICY, isStockoutPolicy, SellOutLine, StockoutPolicy } from '../domain/stockout';
import { recordAudit } from './audit';
import { parseJson } from './time';

interface CatalogRow {
  sku: string;
  name: string;
  name_zh: string | null;
  spec: string;
  category: string;
  unit_price: string | number;
  currency: string;
  weight_grams: number;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  fragile: number | boolean;
  production_date: string | null;
  shelf_life_days: number | null;
  hs_code: string | null;
  country_of_origin: string | null;
  stockout_policy?: string | null;
}

export interface CatalogEntry extends CatalogItem {
  category: string;
  onHand: number;
  reserved: number;
  /** P1.10: what a shortage of this SKU means. */
  stockoutPolicy: StockoutPolicy;
}

function fromRow(r: CatalogRow & { on_hand?: number | null; reserved?: number | null }): CatalogEntry {
  return {
    sku: r.sku,
    name: r.name,
    nameZh: r.name_zh,
    spec: r.spec,
    category: r.category,
    unitPrice: Number(r.unit_price),
    currency: r.currency,
    weightGrams: r.weight_grams,
    lengthMm: r.length_mm,
    widthMm: r.width_mm,
    heightMm: r.height_mm,
    fragile: Boolean(r.fragile),
    productionDate: r.production_date,
    shelfLifeDays: r.shelf_life_days,
    hsCode: r.hs_code,
    countryOfOrigin: r.country_of_origin,
    onHand: Number(r.on_hand ?? 0),
    reserved: Number(r.reserved ?? 0),
    stockoutPolicy: isStockoutPolicy(r.stockout_policy) ? r.stockout_policy : DEFAULT_STOCKOUT_POLICY,
  };
}

function catalogQuery(db: Db) {
  return db('catalog_items as c')
    .leftJoin('inventory as i', 'i.sku', 'c.sku')
    .select('c.*', 'i.on_hand', 'i.reserved')
    .where('c.active', true);
}

export async function listCatalog(db: Db): Promise<CatalogEntry[]> {
  const rows = await catalogQuery(db).orderBy('c.sku');
  return rows.map(fromRow);
}

export async function getCatalogItems(db: Db, skus: string[]): Promise<Map<string, CatalogEntry>> {
  const rows = skus.length ? await catalogQuery(db).whereIn('c.sku', [...new Set(skus)]) : [];
  return new Map(rows.map((r: CatalogRow) => [r.sku, fromRow(r)]));
}

export interface NewCatalogItem extends Omit<CatalogItem, 'nameZh'> {
  nameZh?: string | null;
  /** EAN-13 or Code 128 on the item; default: the shop's own EAN-13 for the SKU (domain/barcodes). */
  barcode?: string;
  /** A whole case (端盒) of this many units, with its own barcode (default: the GTIN-14 of the unit's code). */
  caseUnits?: number;
  caseBarcode?: string;
  category: string;
  onHand: number;
  /** P1.10; left as it is when absent (a new item: `ask`). */
  stockoutPolicy?: StockoutPolicy;
}

/** Inserts or replaces catalog entries and opens their stock (journaled; a SKU with stock keeps it): the demo seed and tests use it. */
export async function upsertCatalogItems(db: Db, items: NewCatalogItem[]): Promise<void> {
  await db.transaction(async (trx) => {
    for (const it of items) {
      const row = {
        sku: it.sku,
        name: it.name,
        name_zh: it.nameZh ?? null,
        spec: it.spec,
        category: it.category,
        unit_price: it.unitPrice,
        currency: it.currency,
        weight_grams: it.weightGrams,
        length_mm: it.lengthMm,
        width_mm: it.widthMm,
        height_mm: it.heightMm,
        fragile: it.fragile,
        production_date: it.productionDate ?? null,
        shelf_life_days: it.shelfLifeDays ?? null,
        hs_code: it.hsCode ?? null,
        country_of_origin: it.countryOfOrigin ?? null,
        barcode: it.barcode ?? barcodeForSku(it.sku),
        active: true,
        updated_at: dbTime(),
        ...(it.stockoutPolicy ? { stockout_policy: it.stockoutPolicy } : {}),
        ...(it.caseUnits && it.caseUnits > 1 ? { case_units: it.caseUnits, case_barcode: it.caseBarcode ?? caseBarcodeFor(it.barcode ?? barcodeForSku(it.sku)) } : {}),
      };
      await trx('catalog_items').insert(row).onConflict('sku').merge();
      await openStock(trx, it.sku, it.onHand);
    }
  });
}

/** P1.10: the stockout policy of each SKU asked for (a SKU without a catalog row is left out: read as `ask`). */
export async function getStockoutPolicies(db: Db, skus: string[]): Promise<Record<string, StockoutPolicy>> {
  const unique = [...new Set(skus)];
  if (!unique.length) return {};
  const rows: Array<{ sku: string; stockout_policy: string }> = await db('catalog_items').select('sku', 'stockout_policy').whereIn('sku', unique);
  const out: Record<string, StockoutPolicy> = {};
  for (const r of rows) out[r.sku] = isStockoutPolicy(r.stockout_policy) ? r.stockout_policy : DEFAULT_STOCKOUT_POLICY;
  return out;
}

export class UnknownCatalogSkuError extends Error {
  constructor(readonly sku: string) {
    super(`no catalog item ${sku}`);
  }
}

/**
 * P1.10: changes a SKU's stockout policy and audits it (who, from, to, why) in one transaction.
 * Applies to shortages found from now on; orders already waiting keep what was decided for them.
 */
export async function setStockoutPolicy(db: Db, input: { sku: string; policy: StockoutPolicy; actor: string; reason?: string | null }): Promise<{ from: StockoutPolicy; to: StockoutPolicy }> {
  return db.transaction(async (trx) => {
    const row = await trx('catalog_items').select('stockout_policy').where({ sku: input.sku }).first();
    if (!row) throw new UnknownCatalogSkuError(input.sku);
    const from: StockoutPolicy = isStockoutPolicy(row.stockout_policy) ? row.stockout_policy : DEFAULT_STOCKOUT_POLICY;
    if (from !== input.policy) {
      await trx('catalog_items').where({ sku: input.sku }).update({ stockout_policy: input.policy, updated_at: dbTime() });
      await recordAudit(trx, { actor: input.actor, action: 'catalog.stockout_policy', subject: `sku:${input.sku}`, reason: input.reason ?? null, data: { sku: input.sku, from, to: input.policy } });
    }
    return { from, to: input.policy };
  });
}

/** Timeline event written by the order workflow when a `limited` SKU's short lines are cancelled and refunded. */
export const SOLD_OUT_EVENT = 'sold_out_refunded';

/** P1.10 supervisor summary: the order lines refunded at sell-out, one row per line (from the orders' timelines). */
export async function listSellOutLines(db: Db): Promise<SellOutLine[]> {
  const rows: Array<{ data_json: unknown }> = await db('order_events').select('data_json').where('type', SOLD_OUT_EVENT);
  const out: SellOutLine[] = [];
  for (const r of rows) {
    let data: { lines?: unknown } | null = null;
    try {
      data = parseJson<{ lines?: unknown }>(r.data_json);
    } catch {
      continue;
    }
    if (!Array.isArray(data?.lines)) continue;
    for (const l of data!.lines as Array<Record<string, unknown>>) {
      if (typeof l?.sku === 'string') out.push({ sku: l.sku, quantity: Number(l.quantity) || 0 });
    }
  }
  return out;
}
