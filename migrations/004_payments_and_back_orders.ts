import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // P1.3 charges and refunds as BoxFlow records them; the idempotency key makes each one happen once.
  await knex.schema.createTable('payments', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.string('kind', 10).notNullable(); // charge | refund
    t.string('idempotency_key', 150).notNullable().unique();
    t.decimal('amount', 14, 2).notNullable();
    t.string('currency', 3).notNullable();
    t.string('status', 20).notNullable(); // pending | succeeded | failed
    t.string('provider_ref', 100);
    t.string('reason', 500);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['order_no', 'kind']);
  });
  // Stands in for the payment provider's own ledger in sandbox mode (what it really charged/refunded).
  await knex.schema.createTable('sandbox_payment_operations', (t) => {
    t.increments('id').primary();
    t.string('idempotency_key', 150).notNullable().unique();
    t.string('kind', 10).notNullable();
    t.string('order_no', 64).notNullable();
    t.decimal('amount', 14, 2).notNullable();
    t.string('status', 20).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  // P1.10 back-orders: lines waiting for restock, served in order of arrival.
  await knex.schema.createTable('back_orders', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.integer('line_id').notNullable().unique().references('id').inTable('order_lines').onDelete('CASCADE');
    t.string('sku', 64).notNullable();
    t.integer('quantity').notNullable();
    t.string('status', 20).notNullable(); // waiting | filled | cancelled
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('filled_at', { useTz: true });
    t.index(['sku', 'status', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('back_orders');
  await knex.schema.dropTable('sandbox_payment_operations');
  await knex.schema.dropTable('payments');
}
