import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // P3.1 / P3.2: where each parcel is, in one status vocabulary over all carriers.
  await knex.schema.alterTable('shipments', (t) => {
    t.string('kind', 10).notNullable().defaultTo('outbound'); // outbound | return
    t.string('tracking_status', 30); // normalized: info_received, in_transit, …, delivered
    t.timestamp('last_scan_at', { useTz: true });
    t.timestamp('promised_at', { useTz: true }); // when the carrier promised delivery
    t.timestamp('delivered_at', { useTz: true });
    t.boolean('delayed').notNullable().defaultTo(false);
    t.string('replaces_shipment_id', 100); // P3.2 "correct and resubmit": the new booking replaces this one
  });
  await knex.schema.createTable('tracking_events', (t) => {
    t.increments('id').primary();
    t.string('shipment_id', 100).notNullable().references('id').inTable('shipments').onDelete('CASCADE');
    t.string('carrier', 10).notNullable();
    t.string('event_id', 100).notNullable(); // the carrier's id: webhooks and polls are deduplicated by it
    t.string('status', 30).notNullable();
    t.string('raw_status', 100).notNullable();
    t.string('description', 500);
    t.string('location', 200);
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('raw_json').notNullable(); // the event as the carrier sent it
    t.string('received_via', 10).notNullable(); // poll | webhook
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['carrier', 'event_id']);
    t.index(['shipment_id', 'occurred_at']);
  });
  // P3.3 / P3.4 returns, with an RMA number.
  await knex.schema.createTable('returns', (t) => {
    t.string('rma_no', 40).primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.string('source', 30).notNullable(); // customer | returned_to_sender
    t.string('reason', 500).notNullable();
    t.string('status', 20).notNullable(); // requested | label_issued | received | inspected | refunded | closed
    t.string('carrier', 10);
    t.string('return_waybill', 64);
    t.decimal('refund_amount', 14, 2);
    t.string('request_hash', 64);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.index(['order_no']);
  });
  await knex.schema.createTable('return_lines', (t) => {
    t.increments('id').primary();
    t.string('rma_no', 40).notNullable().references('rma_no').inTable('returns').onDelete('CASCADE');
    t.string('sku', 64).notNullable();
    t.integer('quantity').notNullable();
    t.decimal('unit_price', 12, 2).notNullable();
    t.string('condition', 20); // resellable | damaged (after inspection)
    t.string('outcome', 20); // restocked | written_off
    t.index(['sku']);
  });
  // Customer notifications: an outbox, so a message is written once and sent at most once per key.
  await knex.schema.createTable('notifications', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.string('kind', 30).notNullable(); // shipped | delayed | delivered | return_received | refunded | …
    t.string('channel', 10).notNullable(); // email | sms
    t.string('recipient', 200).notNullable();
    t.string('lang', 5).notNullable();
    t.string('subject', 300).notNullable();
    t.text('body').notNullable();
    t.string('dedupe_key', 200).notNullable().unique();
    t.string('status', 10).notNullable(); // pending | sending | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_error', 500);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.index(['order_no']);
    t.index(['status']);
  });
  // Tasks of a shipment's tracking or of a return live in that child workflow, not the order's.
  await knex.schema.alterTable('tasks', (t) => {
    t.string('workflow_id', 120);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => t.dropColumn('workflow_id'));
  await knex.schema.dropTable('notifications');
  await knex.schema.dropTable('return_lines');
  await knex.schema.dropTable('returns');
  await knex.schema.dropTable('tracking_events');
  await knex.schema.alterTable('shipments', (t) => {
    for (const c of ['kind', 'tracking_status', 'last_scan_at', 'promised_at', 'delivered_at', 'delayed', 'replaces_shipment_id']) t.dropColumn(c);
  });
}
