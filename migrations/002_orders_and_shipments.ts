import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.string('order_no', 64).primary();
    t.string('workflow_id', 100).notNullable().unique();
    t.string('type', 20).notNullable();
    t.string('status', 30).notNullable();
    t.string('currency', 3).notNullable();
    t.decimal('total_amount', 14, 2).notNullable();
    t.text('customer_json').notNullable();
    t.text('shipping_address_json').notNullable();
    t.string('customer_phone', 40).notNullable(); // customer service looks orders up by phone (P3.5)
    t.string('destination_country', 2).notNullable();
    t.string('payment_method', 40).notNullable();
    t.string('payment_token', 200).notNullable(); // the provider's token (a reference, not card data)
    t.text('group_buy_json');
    t.text('sandbox_json');
    // The canonical request body's hash: the same orderNo with another body is a conflict (409).
    t.string('request_hash', 64).notNullable();
    t.boolean('at_risk').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('shipped_at', { useTz: true });
    t.index(['status', 'created_at']);
    t.index(['customer_phone']);
  });
  await knex.schema.createTable('order_lines', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable().references('sku').inTable('catalog_items');
    t.integer('quantity').notNullable();
    t.decimal('unit_price', 12, 2).notNullable();
    t.integer('reserved_quantity').notNullable().defaultTo(0);
    t.string('status', 30).notNullable().defaultTo('open');
    t.unique(['order_no', 'line_no']);
    t.check('quantity > 0', [], 'order_lines_quantity_positive');
  });
  await knex.schema.createTable('shipments', (t) => {
    t.string('id', 100).primary(); // also the idempotency key towards the carrier (one booking per shipment)
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.integer('parcel_index').notNullable();
    t.string('status', 30).notNullable();
    t.string('carrier', 10);
    t.string('carrier_reason', 500);
    t.string('tracking_no', 64);
    t.string('box', 30);
    t.string('protection', 30);
    t.string('packaging_reason', 500);
    t.integer('weight_grams').notNullable();
    // mm³ / 1000: fractions of a cm³ (SQLite stores them in any column, PostgreSQL needs a decimal).
    t.decimal('volume_cm3', 14, 3).notNullable();
    t.text('items_json').notNullable();
    t.text('labels_json');
    t.timestamp('planned_ship_at', { useTz: true });
    t.timestamp('booked_at', { useTz: true });
    t.timestamp('shipped_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['order_no', 'parcel_index']);
    t.index(['tracking_no']);
  });
  // The timeline (P2.1 / P2.2): every status change and decision, timestamped.
  await knex.schema.createTable('order_events', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('type', 40).notNullable();
    t.string('detail', 1000).notNullable();
    t.text('data_json');
    // Activities may run twice (retries); the key makes writing the same event twice a no-op. Keys
    // carry the order no, run id and step (a task's carries the task's key too, ~250 characters);
    // PostgreSQL enforces the length, SQLite does not.
    t.string('dedupe_key', 400).notNullable().unique();
    t.index(['order_no', 'at']);
  });
  // Stands in for the carriers' own systems in sandbox mode: their ledger of bookings by idempotency key.
  await knex.schema.createTable('sandbox_carrier_bookings', (t) => {
    t.increments('id').primary();
    t.string('carrier', 10).notNullable();
    t.string('idempotency_key', 100).notNullable();
    t.string('waybill_no', 64).notNullable();
    t.string('order_no', 64).notNullable();
    t.string('status', 20).notNullable().defaultTo('booked');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['carrier', 'idempotency_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sandbox_carrier_bookings');
  await knex.schema.dropTable('order_events');
  await knex.schema.dropTable('shipments');
  await knex.schema.dropTable('order_lines');
  await knex.schema.dropTable('orders');
}
