import type { Knex } from 'knex';

/**
 * Supervisor console (issue #4): the inbox lists open tasks filtered and sorted by deadline, age or
 * priority, and "mine / unassigned" by assignee; with 10,000 open tasks each of those must be an
 * index range scan, not a table scan. The task page lists the audit rows of its task.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tasks', (t) => {
    t.index(['status', 'deadline', 'id'], 'tasks_status_deadline_idx');
    t.index(['status', 'created_at', 'id'], 'tasks_status_created_idx');
    t.index(['status', 'priority', 'deadline'], 'tasks_status_priority_idx');
    t.index(['assignee', 'status'], 'tasks_assignee_idx');
  });
  await knex.schema.alterTable('shipments', (t) => {
    t.index(['carrier', 'order_no'], 'shipments_carrier_order_idx');
  });
  await knex.schema.alterTable('audit_log', (t) => {
    t.index(['task_id'], 'audit_log_task_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropIndex([], 'audit_log_task_idx');
  });
  await knex.schema.alterTable('shipments', (t) => t.dropIndex([], 'shipments_carrier_order_idx'));
  await knex.schema.alterTable('tasks', (t) => {
    t.dropIndex([], 'tasks_status_deadline_idx');
    t.dropIndex([], 'tasks_status_created_idx');
    t.dropIndex([], 'tasks_status_priority_idx');
    t.dropIndex([], 'tasks_assignee_idx');
  });
}
