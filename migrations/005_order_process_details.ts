import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shipments', (t) => {
    t.text('customs_json'); // P2.10 declaration as submitted
    t.string('schedule_reason', 500); // P1.9 why this ship date
    t.text('pickup_json'); // P2.6 pickup window booked with the carrier
    t.string('service_level', 20);
  });
  await knex.schema.alterTable('orders', (t) => {
    t.timestamp('ship_by', { useTz: true }); // P2.8 retail SLA deadline
    t.timestamp('sla_breached_at', { useTz: true });
    t.string('cancel_reason', 500);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('ship_by');
    t.dropColumn('sla_breached_at');
    t.dropColumn('cancel_reason');
  });
  await knex.schema.alterTable('shipments', (t) => {
    t.dropColumn('customs_json');
    t.dropColumn('schedule_reason');
    t.dropColumn('pickup_json');
    t.dropColumn('service_level');
  });
}
