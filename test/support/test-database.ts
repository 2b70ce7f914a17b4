/**
 * The app database of one test file. SQLite by default: a fresh file in the run directory. With
 * BOXFLOW_TEST_DATABASE_URL=postgres://… (an account that may create databases, e.g. the server
 * started by scripts/ci-postgres.sh), a fresh PostgreSQL database per test file instead, dropped
 * when the file is done, so the whole suite runs on PostgreSQL without tests seeing each other.
 */
import path from 'node:path';
import { Client } from 'pg';

export interface TestDatabase {
  /** DATABASE_URL for createDb, the web app and spawned worker processes. */
  databaseUrl: string;
  kind: 'sqlite' | 'postgres';
  /** Removes the database (PostgreSQL); SQLite files go with the run directory. */
  drop(): Promise<void>;
}

export function postgresTestAdminUrl(): string | undefined {
  const url = process.env.BOXFLOW_TEST_DATABASE_URL;
  if (!url) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`BOXFLOW_TEST_DATABASE_URL must be a postgres:// URL, got "${url}"`);
  return url;
}

async function withAdmin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createTestDatabase(runDir: string, id: string): Promise<TestDatabase> {
  const adminUrl = postgresTestAdminUrl();
  if (!adminUrl) {
    return { databaseUrl: `sqlite:${path.join(runDir, `app-${id}.sqlite`)}`, kind: 'sqlite', drop: async () => {} };
  }
  // id is hex from the harness: a safe identifier, no quoting games.
  if (!/^[0-9a-f]+$/.test(id)) throw new Error(`unexpected test database id ${id}`);
  const name = `boxflow_test_${id}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    databaseUrl: u.toString(),
    kind: 'postgres',
    async drop() {
      if (process.env.BOXFLOW_KEEP_TEST_RUN) return;
      // FORCE (PostgreSQL 13+) also ends connections a killed worker process left behind.
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
