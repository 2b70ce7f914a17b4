import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import type { Settings } from '../config/settings';
import { migrationSource } from '../migrations';

export type Db = Knex;

/**
 * SQLite file under the data directory by default; DATABASE_URL=postgres://… for more than one
 * machine. Queries stay on the query builder so that both run the same code.
 */
export function createDb(settings: Pick<Settings, 'dataDir' | 'databaseUrl'>): Db {
  if (settings.databaseUrl && /^postgres(ql)?:/.test(settings.databaseUrl)) {
    return knexFactory({ client: 'pg', connection: settings.databaseUrl, pool: { min: 0, max: 10 } });
  }
  const filename = settings.databaseUrl?.startsWith('sqlite:')
    ? settings.databaseUrl.slice('sqlite:'.length)
    : path.join(settings.dataDir, 'boxflow.sqlite');
  fs.mkdirSync(path.dirname(filename), { recursive: true });
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // Foreign keys are off by default in SQLite; WAL lets the web app read while the worker writes;
      // busy_timeout makes a second process wait for the write lock instead of failing at once.
      afterCreate(conn: { run: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) {
        conn.run('PRAGMA foreign_keys = ON', (e1) => {
          if (e1) return done(e1, conn);
          conn.run('PRAGMA journal_mode = WAL', (e2) => {
            if (e2) return done(e2, conn);
            conn.run('PRAGMA busy_timeout = 10000', (e3) => done(e3, conn));
          });
        });
      },
    },
  });
}

export async function migrateToLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export function isSqlite(db: Db): boolean {
  return db.client.config.client === 'sqlite3';
}
