/**
 * Migration 014 on an existing SQLite database: the users table is rebuilt to let the `warehouse`
 * role in, and nothing that points at users is lost (sessions, training runs cascade on delete).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../db/knex';
import { dbTime } from '../../db/time';
import { migrationSource } from '../../migrations';

test('014 rebuilds the users check on SQLite without losing sessions or training records', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-m014-'));
  const db = createDb({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'old.sqlite')}` });
  try {
    for (;;) {
      const [done] = (await db.migrate.list({ migrationSource })) as [Array<{ name: string }>, unknown];
      if (done.some((m) => m.name === '013_warehouse_stations')) break;
      await db.migrate.up({ migrationSource });
    }
    const now = dbTime();
    await db('users').insert({ username: 'li.na', display_name: '李娜', password_hash: 'x', role: 'supervisor', active: true, created_at: now, updated_at: now, password_changed_at: now });
    const user = await db('users').where({ username: 'li.na' }).first();
    await db('sessions').insert({ id: 'a'.repeat(64), user_id: user.id, csrf_token: 'c', created_at: now, expires_at: now, last_seen_at: now });
    await expect(db('users').insert({ username: 'wu', display_name: 'wu', password_hash: 'x', role: 'warehouse', active: true, created_at: now, updated_at: now, password_changed_at: now })).rejects.toThrow(/CHECK constraint/);
    await db('catalog_items').insert({ sku: 'BB-MOLLY-SPACE', name: 'x', spec: 'x', category: 'x', unit_price: 10, currency: 'CNY', weight_grams: 1, length_mm: 1, width_mm: 1, height_mm: 1 });
    await db('inventory').insert({ sku: 'BB-MOLLY-SPACE', on_hand: 1, reserved: 0 });

    await db.migrate.latest({ migrationSource });

    expect(await db('users').where({ username: 'li.na' }).first()).toMatchObject({ id: user.id, role: 'supervisor' });
    expect(await db('sessions').where({ user_id: user.id })).toHaveLength(1);
    await db('users').insert({ username: 'wu', display_name: 'wu', password_hash: 'x', role: 'warehouse', active: true, created_at: now, updated_at: now, password_changed_at: now });
    await expect(db('users').insert({ username: 'robot', display_name: 'r', password_hash: 'x', role: 'robot', active: true, created_at: now, updated_at: now, password_changed_at: now })).rejects.toThrow(/CHECK constraint/);
    await expect(db('users').insert({ username: 'li.na', display_name: 'dup', password_hash: 'x', role: 'staff', active: true, created_at: now, updated_at: now, password_changed_at: now })).rejects.toThrow(/UNIQUE/);
    // Foreign keys still hold and still cascade.
    expect((await db.raw('PRAGMA foreign_keys'))[0].foreign_keys).toBe(1);
    await db('users').where({ id: user.id }).delete();
    expect(await db('sessions').where({ user_id: user.id })).toHaveLength(0);
    // The existing item got its barcode and its bin.
    expect((await db('catalog_items').where({ sku: 'BB-MOLLY-SPACE' }).first()).barcode).toMatch(/^69\d{11}$/);
    expect((await db('inventory').where({ sku: 'BB-MOLLY-SPACE' }).first()).bin_location).toBe('A-01-1');
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
