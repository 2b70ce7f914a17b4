/** `npm run migrate`: brings the app database to the latest schema and seeds the demo catalog once. */
import { loadSettings } from '../config/settings';
import { createDb, migrateToLatest } from '../db/knex';
import { seedDemoCatalog } from '../db/seed';

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
    .then(() => console.log('[migrate] database is up to date'))
    .catch((err) => {
      console.error('[migrate] failed:', err);
      process.exit(1);
    });
}
