import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // P1.1, P1.5, P1.6, P2.10: what we must know about a product to validate, pack, label and declare it.
  await knex.schema.createTable('catalog_items', (t) => {
    t.string('sku', 64).primary();
    t.string('name', 200).notNullable();
    t.string('name_zh', 200);
    t.string('spec', 200).notNullable();
    t.string('category', 40).notNullable();
    t.decimal('unit_price', 12, 2).notNullable();
    t.string('currency', 3).notNullable();
    t.integer('weight_grams').notNullable();
    t.integer('length_mm').notNullable();
    t.integer('width_mm').notNullable();
    t.integer('height_mm').notNullable();
    t.boolean('fragile').notNullable().defaultTo(false);
    t.string('production_date', 10); // YYYY-MM-DD, where the product has one
    t.integer('shelf_life_days');
    t.string('hs_code', 12);
    t.string('country_of_origin', 2);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // P1.2: available = on_hand - reserved, never negative, never more reserved than on hand.
  await knex.schema.createTable('inventory', (t) => {
    t.string('sku', 64).primary().references('sku').inTable('catalog_items');
    t.integer('on_hand').notNullable().defaultTo(0);
    t.integer('reserved').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('on_hand >= 0', [], 'inventory_on_hand_not_negative');
    t.check('reserved >= 0', [], 'inventory_reserved_not_negative');
    t.check('reserved <= on_hand', [], 'inventory_reserved_within_on_hand');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('inventory');
  await knex.schema.dropTable('catalog_items');
}
