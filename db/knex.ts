import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { types as pgTypes } from 'pg';
import type { Settings } from '../config/settings';
import { migrationSource } from '../migrations';

export type Db = Knex;

// PostgreSQL type OIDs whose driver default differs from what SQLite gives back.
const PG_INT8 = 20; // count(*), sum(integer): the driver returns a string
const PG_NUMERIC = 1700; // decimal columns, sum(decimal): a string
const PG_DATE = 1082; // a Date at local midnight
const PG_TIMESTAMP = 1114; // a Date
const PG_TIMESTAMPTZ = 1184; // a Date

/**
 * Values read from PostgreSQL take the JavaScript types SQLite gives for the same columns, so that
 * every module and test sees one shape: counts and decimals as numbers (counts here stay far below
 * 2^53; money is rounded to cents by its readers, as with SQLite's REAL), timestamps as the ISO-8601
 * UTC text `dbTime()` writes, dates as 'YYYY-MM-DD' text. Booleans stay booleans (read them with
 * Boolean(), SQLite gives 0/1). Set per connection, not on the global pg.types.
 */
export function pgTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (format === 'binary') return pgTypes.getTypeParser(oid, 'binary');
  switch (oid) {
    case PG_INT8:
    case PG_NUMERIC:
      return (v) => Number(v);
    case PG_DATE:
      return (v) => v;
    case PG_TIMESTAMP: {
      // timestamp without time zone: read as UTC (we only ever write UTC)
      const base = pgTypes.getTypeParser(PG_TIMESTAMP, 'text') as (v: string) => Date;
      return (v) => toIsoText(base(`${v}+00`));
    }
    case PG_TIMESTAMPTZ: {
      const base = pgTypes.getTypeParser(PG_TIMESTAMPTZ, 'text') as (v: string) => Date;
      return (v) => toIsoText(base(v));
    }
    default:
      return pgTypes.getTypeParser(oid, 'text');
  }
}

function toIsoText(d: Date | string | number): string | number {
  // 'infinity' timestamps come back as ±Infinity numbers; keep them as they are.
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : (d as string | number);
}

// knex's PostgreSQL dialect (a class; knex's typings do not declare its module).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PgDialect: typeof Knex.Client = require('knex/lib/dialects/postgres');

/**
 * PostgreSQL refuses a NUL character in text ("invalid byte sequence"), SQLite stores it. A value
 * with one (a hostile path such as /api/orders/%00) would fail the whole query with a 500 on
 * PostgreSQL where SQLite finds no row (404). Bound strings get U+FFFD in its place: lookups find
 * nothing, as on SQLite; writes of control characters are refused by validation before this.
 */
class BoxflowPgClient extends PgDialect {
  override prepBindings(bindings: unknown): unknown {
    const prepared = super.prepBindings(bindings);
    return Array.isArray(prepared)
      ? prepared.map((v) => (typeof v === 'string' && v.includes('\u0000') ? v.replace(/\u0000/g, '\ufffd') : v))
      : prepared;
  }
}

/**
 * SQLite file under the data directory by default; DATABASE_URL=postgres://… for more than one
 * machine (several worker and web processes on one database). Queries stay on the query builder so
 * that both run the same code; the few dialect differences are guarded with isSqlite().
 */
export function createDb(settings: Pick<Settings, 'dataDir' | 'databaseUrl'>): Db {
  if (settings.databaseUrl && /^postgres(ql)?:/.test(settings.databaseUrl)) {
    return knexFactory({
      client: BoxflowPgClient,
      connection: { connectionString: settings.databaseUrl, types: { getTypeParser: pgTypeParser } } as Knex.PgConnectionConfig,
      // Per process (each worker and web process has its own pool): size max_connections for
      // 10 × the number of processes (docs/operations.md).
      pool: { min: 0, max: 10 },
    });
  }
  const filename = sqliteFilename(settings);
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

/**
 * Readers for the web process's list pages beside the single SQLite writer (issue 15): `readers`
 * connections to the same file, each `query_only` (a write through one fails) so that WAL lets
 * them read while the writer connection and the worker write. One writer connection queues every
 * read of a page behind every other query of the process; these do not. On PostgreSQL (whose pool
 * already holds several connections) and with `readers` 0, the writer's own instance is returned.
 * Reads here see every commit made before they start (no read-your-write concern for lists).
 */
export function createReadDb(settings: Pick<Settings, 'dataDir' | 'databaseUrl'>, writer: Db, readers: number): Db {
  if (readers <= 0 || !isSqlite(writer)) return writer;
  const filename = sqliteFilename(settings);
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 0,
      max: readers,
      afterCreate(conn: { run: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) {
        conn.run('PRAGMA busy_timeout = 10000', (e1) => {
          if (e1) return done(e1, conn);
          conn.run('PRAGMA query_only = ON', (e2) => done(e2, conn));
        });
      },
    },
  });
}

function sqliteFilename(settings: Pick<Settings, 'dataDir' | 'databaseUrl'>): string {
  return settings.databaseUrl?.startsWith('sqlite:') ? settings.databaseUrl.slice('sqlite:'.length) : path.join(settings.dataDir, 'boxflow.sqlite');
}

export async function migrateToLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export function isSqlite(db: Db): boolean {
  return db.client.config.client === 'sqlite3';
}
