import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Human decisions: each open task is also a wait inside the order's workflow.
  await knex.schema.createTable('tasks', (t) => {
    t.increments('id').primary();
    t.string('order_no', 64).notNullable().references('order_no').inTable('orders').onDelete('CASCADE');
    t.string('kind', 40).notNullable();
    t.string('status', 20).notNullable(); // open | decided | expired | cancelled
    t.text('options_json').notNullable();
    t.string('default_option', 40).notNullable();
    t.timestamp('deadline', { useTz: true }).notNullable();
    t.text('context_json').notNullable();
    t.integer('priority').notNullable().defaultTo(50);
    t.string('assignee', 100);
    t.string('decision', 40);
    t.string('decided_by', 100);
    t.timestamp('decided_at', { useTz: true });
    t.string('note', 2000);
    // The workflow's own id for the wait; makes opening idempotent. Order no + run id twice + step:
    // up to ~240 characters (PostgreSQL enforces the length, SQLite does not).
    t.string('workflow_key', 300).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['status', 'kind', 'deadline']);
    t.index(['order_no']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tasks');
}
