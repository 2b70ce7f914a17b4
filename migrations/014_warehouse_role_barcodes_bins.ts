import type { Knex } from 'knex';
import { barcodeForSku } from '../domain/barcodes';

/** Where the demo catalog's stock lies (as db/seed.ts seeds it; kept here as it was when this migration was written). */
const DEMO_BINS: Record<string, string> = {
  'BB-MOLLY-SPACE': 'A-01-1',
  'BB-MOLLY-SPACE-CASE': 'A-01-3',
  'BB-DIMOO-FOREST': 'A-02-1',
  'CANDY-TOY-HIRONO': 'A-03-2',
  'PL-LABUBU-30': 'B-04-1',
  'FIG-SKULLPANDA-400': 'C-07-2',
  'ACC-GLASS-CASE': 'C-09-1',
  'FIG-MEGA-1000': 'D-12-1',
};

/**
 * The warehouse floor's people and goods: a `warehouse` role for staff who work stations; an
 * EAN-13 barcode on every catalog item (scanned to verify, P1.4); a bin location on every stock row
 * (pick lists sort by it, P1.8).
 */
export async function up(knex: Knex): Promise<void> {
  await setRoleCheck(knex, "'staff', 'supervisor', 'admin'", "'staff', 'warehouse', 'supervisor', 'admin'");
  await knex.transaction(async (trx) => {
    await trx.schema.alterTable('catalog_items', (t) => {
      t.string('barcode', 32);
      t.unique(['barcode'], { indexName: 'catalog_items_barcode_unique' });
    });
    await trx.schema.alterTable('inventory', (t) => {
      t.string('bin_location', 16);
    });
    for (const r of await trx('catalog_items').select('sku')) await trx('catalog_items').where({ sku: r.sku }).update({ barcode: barcodeForSku(r.sku) });
    for (const [sku, bin] of Object.entries(DEMO_BINS)) await trx('inventory').where({ sku }).update({ bin_location: bin });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inventory', (t) => t.dropColumn('bin_location'));
  await knex.schema.alterTable('catalog_items', (t) => {
    t.dropUnique(['barcode'], 'catalog_items_barcode_unique');
    t.dropColumn('barcode');
  });
  await knex('users').where({ role: 'warehouse' }).update({ role: 'staff' });
  await setRoleCheck(knex, "'staff', 'warehouse', 'supervisor', 'admin'", "'staff', 'supervisor', 'admin'");
}

/**
 * Not in one transaction: SQLite cannot change a CHECK constraint in place, so the users table is
 * rebuilt (SQLite's documented 12-step way) with foreign keys off, which cannot be switched inside a
 * transaction; with them on, dropping the old table would cascade to sessions and training records.
 */
export const config = { transaction: false };

async function setRoleCheck(knex: Knex, from: string, to: string): Promise<void> {
  if (knex.client.config.client !== 'sqlite3') {
    await knex.transaction(async (trx) => {
      await trx.raw('alter table users drop constraint users_role_check');
      await trx.raw(`alter table users add constraint users_role_check check (role in (${to}))`);
    });
    return;
  }
  const table = await knex('sqlite_master').where({ type: 'table', name: 'users' }).first('sql');
  const indices = (await knex('sqlite_master').where({ type: 'index', tbl_name: 'users' }).whereNotNull('sql').select('sql')).map((r) => r.sql as string);
  const createSql = String(table.sql);
  if (!createSql.includes(`in (${from})`)) throw new Error(`the users table's role check is not the one expected: ${createSql}`);
  const newSql = createSql.replace(`in (${from})`, `in (${to})`).replace(/^CREATE TABLE\s+[`"]?users[`"]?/i, 'CREATE TABLE `users_rebuilt`');
  await knex.raw('PRAGMA foreign_keys = OFF');
  try {
    await knex.transaction(async (trx) => {
      await trx.raw(newSql);
      await trx.raw('INSERT INTO `users_rebuilt` SELECT * FROM `users`');
      await trx.raw('DROP TABLE `users`');
      await trx.raw('ALTER TABLE `users_rebuilt` RENAME TO `users`');
      for (const sql of indices) await trx.raw(sql);
      const broken = await trx.raw('PRAGMA foreign_key_check');
      if (Array.isArray(broken) && broken.length) throw new Error(`foreign keys broken by the users rebuild: ${JSON.stringify(broken).slice(0, 300)}`);
    });
  } finally {
    await knex.raw('PRAGMA foreign_keys = ON');
  }
}
