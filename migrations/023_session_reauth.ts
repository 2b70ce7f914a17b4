import type { Knex } from 'knex';

/** Issue 13: admin actions need a password entered in the last 10 minutes (sign-in or re-authentication). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.timestamp('authenticated_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('authenticated_at');
  });
}
