import type { Knex } from 'knex';

/**
 * Scoped API keys (issue 13): each caller of /api gets its own key with only the scopes it needs.
 * The key itself is never stored, only its SHA-256 (the keys are 192 random bits, so a fast hash is
 * enough); `prefix` is the key's public start, shown in lists so that a key can be recognised.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique();
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.string('scopes', 500).notNullable(); // space-separated
    t.string('created_by', 100).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
}
