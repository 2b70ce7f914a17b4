import type { Knex } from 'knex';

/**
 * The floor's working records: who claimed a wave (one picker per wave, compare-and-set), how many
 * units of each order line a picker has scanned so far ("2 of 3"), the units found damaged (with a
 * photo, P1.4), and the documents printed
 * (shipping labels, stored so that they can be reprinted; every print is counted and audited).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wave_claims', (t) => {
    t.string('wave_key', 40).primary(); // <YYYY-MM-DD>:<carrier>
    t.string('claimed_by', 64).notNullable();
    t.timestamp('claimed_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('pick_scans', (t) => {
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.string('sku', 64).notNullable();
    t.integer('scanned').notNullable().defaultTo(0);
    t.string('scanned_by', 64);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['order_no', 'sku']);
    t.check('scanned >= 0', [], 'pick_scans_scanned_not_negative');
  });
  // P1.4: a unit the picker found damaged, with its photo; told to the workflow with the pick.
  await knex.schema.createTable('pick_damage', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.string('sku', 64).notNullable();
    t.string('photo_path', 100).notNullable();
    t.string('reported_by', 64).notNullable();
    t.timestamp('reported_at', { useTz: true }).notNullable();
    t.timestamp('reported_to_order_at', { useTz: true });
    t.index(['order_no']);
  });
  await knex.schema.createTable('documents', (t) => {
    t.increments('id').primary();
    t.string('kind', 24).notNullable(); // shipping_label
    t.string('subject', 100).notNullable(); // the shipment id
    t.string('content_type', 60).notNullable();
    t.binary('content').notNullable();
    t.integer('bytes').notNullable();
    t.integer('prints').notNullable().defaultTo(0);
    t.string('created_by', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['kind', 'subject']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('documents');
  await knex.schema.dropTable('pick_damage');
  await knex.schema.dropTable('pick_scans');
  await knex.schema.dropTable('wave_claims');
}
