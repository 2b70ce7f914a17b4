import type { Knex } from 'knex';

/**
 * Cancellation that cannot be overtaken by a late side effect (issue: keep every promise).
 * - orders.cancel_requested_at: written first when an order's cancellation (or the cancellation of
 *   its unshipped rest) begins; a charge attempt that arrives later refuses, or undoes itself.
 * - shipments.booking_carrier: the carrier asked last for this parcel, written before the call, so
 *   that compensation can cancel a booking whose answer never reached BoxFlow.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.timestamp('cancel_requested_at', { useTz: true });
  });
  await knex.schema.alterTable('shipments', (t) => {
    t.string('booking_carrier', 10);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => t.dropColumn('cancel_requested_at'));
  await knex.schema.alterTable('shipments', (t) => t.dropColumn('booking_carrier'));
}
