import type { Knex } from 'knex';

/**
 * Inbound webhook replay protection: one row per (provider, webhook-id) that BoxFlow accepted.
 * A signed message is only valid for 5 minutes (webhook-timestamp), so rows older than a day are
 * purged; within its window the same id is refused a second time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_events', (t) => {
    t.string('provider', 20).notNullable();
    t.string('event_id', 200).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.primary(['provider', 'event_id']);
    t.index(['received_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_events');
}
