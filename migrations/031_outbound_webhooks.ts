import type { Knex } from 'knex';

/**
 * Issue 13, outbound webhooks: subscriptions (a URL, the event types it wants, its own `whsec_`
 * signing secret), the outbox of events (written in the same transaction as the fact they announce,
 * one unique event id each, at most once per source fact), one delivery per event and subscription
 * (the idempotent delivery record a Temporal workflow works on) and every HTTP attempt of it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_subscriptions', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('url', 2000).notNullable();
    t.text('event_types').notNullable(); // JSON array of event types
    t.string('secret', 200).notNullable();
    // During a rotation the previous secret signs too (a second `v1,` signature) until this time.
    t.string('previous_secret', 200);
    t.timestamp('previous_secret_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.string('created_by', 100).notNullable();
    t.timestamp('disabled_at', { useTz: true });
    t.string('disabled_by', 100);
  });
  await knex.schema.createTable('webhook_outbox', (t) => {
    t.increments('id').primary();
    t.string('event_id', 40).notNullable().unique();
    t.string('type', 40).notNullable();
    t.string('order_no', 64);
    t.string('source_key', 200).notNullable().unique();
    t.text('payload_json').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['order_no']);
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.string('id', 40).primary();
    t.string('event_id', 40).notNullable();
    t.integer('subscription_id').notNullable();
    t.string('status', 16).notNullable(); // pending, sending, retrying, delivered, failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('redeliveries').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamp('last_attempt_at', { useTz: true });
    t.integer('last_status_code');
    t.string('last_response', 500);
    t.string('last_error', 500);
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['event_id', 'subscription_id']);
    t.index(['dispatched_at']);
    t.index(['created_at']);
  });
  await knex.schema.createTable('webhook_delivery_attempts', (t) => {
    t.increments('id').primary();
    t.string('delivery_id', 40).notNullable();
    t.integer('attempt').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('status_code');
    t.string('response_snippet', 500);
    t.string('error', 500);
    t.integer('duration_ms').notNullable();
    t.index(['delivery_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_delivery_attempts');
  await knex.schema.dropTableIfExists('webhook_deliveries');
  await knex.schema.dropTableIfExists('webhook_outbox');
  await knex.schema.dropTableIfExists('webhook_subscriptions');
}
