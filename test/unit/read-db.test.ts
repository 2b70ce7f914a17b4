/**
 * The web process's SQLite read pool (db/knex.ts createReadDb): read-only connections beside the
 * one writer, which see what the writer committed and refuse to write; none on PostgreSQL or with 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, createReadDb, Db } from '../../db/knex';

describe('createReadDb (SQLite read pool)', () => {
  let dir: string;
  let writer: Db;
  let reader: Db;
  const settings = () => ({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'app.sqlite')}` });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-readdb-'));
    writer = createDb(settings());
    await writer.schema.createTable('t', (t) => {
      t.integer('n');
    });
    reader = createReadDb(settings(), writer, 3);
  });

  afterAll(async () => {
    if (reader && reader !== writer) await reader.destroy();
    await writer?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is a pool of its own of the size asked for', () => {
    expect(reader).not.toBe(writer);
    expect(reader.client.pool.max).toBe(3);
  });

  it('sees every row the writer committed before the read, also while the writer holds a transaction open', async () => {
    await writer('t').insert([{ n: 1 }, { n: 2 }]);
    expect(await reader('t').orderBy('n').pluck('n')).toEqual([1, 2]);
    await writer.transaction(async (trx) => {
      await trx('t').insert({ n: 3 });
      // WAL: the reader is not blocked by the open write, and does not see it before the commit.
      expect(await reader('t').orderBy('n').pluck('n')).toEqual([1, 2]);
    });
    expect(await reader('t').orderBy('n').pluck('n')).toEqual([1, 2, 3]);
    // Several reads at once, each on its own connection.
    const counts = await Promise.all([1, 2, 3, 4, 5, 6].map(async () => Number((await reader('t').count({ c: '*' }))[0].c)));
    expect(counts).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it('refuses to write (query_only)', async () => {
    await expect(reader('t').insert({ n: 9 })).rejects.toThrow(/readonly|read-only/i);
    expect(await writer('t').where({ n: 9 }).count({ c: '*' })).toEqual([{ c: 0 }]);
  });

  it('is the writer itself with 0 readers, and on PostgreSQL', () => {
    expect(createReadDb(settings(), writer, 0)).toBe(writer);
    const pg = createDb({ dataDir: dir, databaseUrl: 'postgres://nobody@127.0.0.1:9/none' });
    try {
      expect(createReadDb({ dataDir: dir, databaseUrl: 'postgres://nobody@127.0.0.1:9/none' }, pg, 4)).toBe(pg);
    } finally {
      void pg.destroy();
    }
  });
});
