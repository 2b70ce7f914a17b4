import type { Knex } from 'knex';
import { barcodeForSku, caseBarcodeFor } from '../domain/barcodes';

/** The demo catalog's whole cases (端盒) as db/seed.ts seeds them (kept here as it was when this migration was written). */
const DEMO_CASES: Record<string, number> = { 'BB-MOLLY-SPACE': 12, 'BB-DIMOO-FOREST': 12 };

/**
 * A whole case (端盒) has its own barcode (P1.4, P1.8): the GTIN-14 of its unit's EAN-13 (ITF-14 on
 * the carton), and how many units it holds; scanning it at the pick station counts them all at once,
 * after the picker confirms its seal intact.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.schema.alterTable('catalog_items', (t) => {
      t.string('case_barcode', 32);
      t.integer('case_units');
      t.unique(['case_barcode'], { indexName: 'catalog_items_case_barcode_unique' });
    });
    for (const [sku, units] of Object.entries(DEMO_CASES)) {
      const item = await trx('catalog_items').where({ sku }).first('barcode');
      if (item) await trx('catalog_items').where({ sku }).update({ case_units: units, case_barcode: caseBarcodeFor(item.barcode ?? barcodeForSku(sku)) });
    }
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('catalog_items', (t) => {
    t.dropUnique(['case_barcode'], 'catalog_items_case_barcode_unique');
    t.dropColumn('case_units');
    t.dropColumn('case_barcode');
  });
}
