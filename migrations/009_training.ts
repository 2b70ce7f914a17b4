import type { Knex } from 'knex';

/**
 * Staff training (P4.3, issue #5): assignments, runs of a module (one person working through one
 * version of it), the ticked checklist items with their notes and evidence photos, and quiz attempts.
 * Module content itself lives in training/modules/*.yaml, versioned by its `version` field: a run
 * records the version it was started on and keeps it when a newer one is published.
 */
export async function up(knex: Knex): Promise<void> {
  // A module assigned to one person or to everyone with a role, optionally by a due date.
  await knex.schema.createTable('training_assignments', (t) => {
    t.increments('id').primary();
    t.string('module_id', 100).notNullable();
    t.integer('user_id').references('id').inTable('users').onDelete('CASCADE');
    t.string('role', 20);
    t.timestamp('due_at', { useTz: true });
    t.string('assigned_by', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check('(?? is not null) or (?? is not null)', ['user_id', 'role'], 'training_assignments_target_check');
    t.index(['user_id']);
    t.index(['role']);
  });
  await knex.schema.createTable('training_runs', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('module_id', 100).notNullable();
    t.integer('module_version').notNullable();
    // The module as it was when the run started (JSON): a newer published version changes neither
    // the items nor the quiz of a run in progress.
    t.text('module_json').notNullable();
    t.string('status', 20).notNullable(); // in_progress | submitted | certified | sent_back
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('submitted_at', { useTz: true });
    t.string('signed_off_by', 64);
    t.timestamp('signed_off_at', { useTz: true });
    t.string('comment', 2000);
    t.float('quiz_score');
    t.boolean('quiz_passed').notNullable().defaultTo(false);
    t.timestamp('expires_at', { useTz: true });
    t.integer('acknowledged_version');
    t.timestamp('acknowledged_at', { useTz: true });
    t.check("?? in ('in_progress', 'submitted', 'certified', 'sent_back')", ['status'], 'training_runs_status_check');
    t.index(['user_id', 'module_id']);
    t.index(['status']);
  });
  await knex.schema.createTable('training_run_items', (t) => {
    t.increments('id').primary();
    t.integer('run_id').notNullable().references('id').inTable('training_runs').onDelete('CASCADE');
    t.string('item_id', 100).notNullable();
    t.boolean('done').notNullable().defaultTo(false);
    t.string('note', 2000);
    // Relative to <dataDir>/evidence; a random file name, never the uploader's.
    t.string('evidence_path', 200);
    t.string('evidence_mime', 40);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['run_id', 'item_id']);
  });
  await knex.schema.createTable('training_quiz_attempts', (t) => {
    t.increments('id').primary();
    t.integer('run_id').notNullable().references('id').inTable('training_runs').onDelete('CASCADE');
    t.text('answers_json').notNullable();
    t.integer('correct').notNullable();
    t.integer('total').notNullable();
    t.float('score').notNullable();
    t.boolean('passed').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['run_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('training_quiz_attempts');
  await knex.schema.dropTable('training_run_items');
  await knex.schema.dropTable('training_runs');
  await knex.schema.dropTable('training_assignments');
}
