import type { Knex } from 'knex';

/**
 * The order list (GET /api/orders, /orders) shows the newest orders first. Without a status filter
 * the (status, created_at) index does not serve that order, and every page sorted the whole table
 * (10,000 orders: a temporary B-tree per request). Measured in docs/performance.md.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.index(['created_at'], 'orders_created_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => t.dropIndex([], 'orders_created_at_idx'));
}
