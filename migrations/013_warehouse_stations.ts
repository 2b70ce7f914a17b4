import type { Knex } from 'knex';

/**
 * Stations mode (BOXFLOW_WAREHOUSE=stations): which station an order waits at (P1.8 pick/inspect,
 * P1.5 pack, P2.2 hand-over), written by its workflow; what the pack station measured and who
 * packed and handed over each parcel.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.string('station_step', 16); // pick | pack | handover | null (not waiting at a station)
    t.timestamp('station_since', { useTz: true });
    t.timestamp('station_due', { useTz: true });
    t.index(['station_step']);
  });
  await knex.schema.alterTable('shipments', (t) => {
    t.string('packed_box', 32);
    t.integer('packed_weight_grams');
    t.string('packed_by', 64);
    t.timestamp('packed_at', { useTz: true });
    t.string('handed_over_by', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shipments', (t) => {
    t.dropColumn('packed_box');
    t.dropColumn('packed_weight_grams');
    t.dropColumn('packed_by');
    t.dropColumn('packed_at');
    t.dropColumn('handed_over_by');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['station_step']);
    t.dropColumn('station_step');
    t.dropColumn('station_since');
    t.dropColumn('station_due');
  });
}
