import type { Knex } from 'knex';

/**
 * P1.10 stockout policy per SKU: what a shortage of this item means. `ask` (the default, today's
 * behaviour: a stockout task), `restockable` (back-order automatically, first come first served, no
 * task) or `limited` (no restock will come: the short line is cancelled and refunded at once).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('catalog_items', (t) => {
    t.string('stockout_policy', 12).notNullable().defaultTo('ask');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('catalog_items', (t) => {
    t.dropColumn('stockout_policy');
  });
}
