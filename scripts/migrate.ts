/** `npm run migrate`: brings the app database to the latest schema and seeds the demo catalog once. */
import { loadSettings } from '../config/settings';
import { createDb, migrateToLatest } from '../db/knex';
import { seedDemoCatalog } from '../db/seed';
import { logFor } from '../observability/logger';

export async function prepareDatabase(opts: { seed: boolean }): Promise<void> {
  const db = createDb(loadSettings());
  try {
    await migrateToLatest(db);
    if (opts.seed) {
      const [{ n }] = await db('catalog_items').count({ n: '*' });
      if (Number(n) === 0) await seedDemoCatalog(db);
    }
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  prepareDatabase({ seed: process.env.BOXFLOW_SEED !== '0' })
    .then(() => logFor('migrate').info('database is up to date'))
    .catch((err) => {
      logFor('migrate').fatal({ err }, 'failed');
      process.exit(1);
    });
}
