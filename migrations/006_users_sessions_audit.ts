import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // People who sign in to the console. Usernames are stored lower-case so that "Li" and "li" are one
  // account; the Chinese name people recognise goes in display_name.
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('display_name', 200).notNullable();
    // "$scrypt$ln=15,r=8,p=1$<salt>$<hash>": the parameters travel with the hash so they can be raised later.
    t.string('password_hash', 300).notNullable();
    t.string('role', 20).notNullable(); // staff | supervisor | admin
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('password_changed_at', { useTz: true }).notNullable();
    t.check("?? in ('staff', 'supervisor', 'admin')", ['role'], 'users_role_check');
  });
  // Server-side sessions. The id is the SHA-256 of the cookie's token, so a leaked database (or a
  // backup) holds no usable session. user_id is null for a visitor who has only opened /login (the
  // login form needs a CSRF token too); signing in replaces that row with a new one.
  await knex.schema.createTable('sessions', (t) => {
    t.string('id', 64).primary();
    t.integer('user_id').references('id').inTable('users').onDelete('CASCADE');
    t.string('csrf_token', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.string('ip', 64);
    t.string('user_agent', 500);
    t.index(['expires_at']);
    t.index(['user_id']);
  });
  // Who did what, when and why. actor is the username as text (not a foreign key) so that rows
  // outlive accounts and non-people ("system", "cli") can act too.
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('actor', 64).notNullable();
    t.string('action', 64).notNullable();
    t.string('order_no', 64);
    t.integer('task_id');
    t.string('subject', 200);
    t.string('reason', 1000);
    t.text('data_json');
    t.index(['at']);
    t.index(['actor', 'at']);
    t.index(['order_no', 'at']);
    t.index(['action', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('users');
}
