import type { CatalogItem } from '../domain/types';
import { dbTime } from './time';
import type { Db } from './knex';
import { openStock } from './inventory';
import { barcodeForSku } from '../domain/barcodes';

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
}

export interface CatalogEntry extends CatalogItem {
  category: string;
  onHand: number;
  reserved: number;
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
  category: string;
  onHand: number;
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
      };
      await trx('catalog_items').insert(row).onConflict('sku').merge();
      await openStock(trx, it.sku, it.onHand);
    }
  });
}
