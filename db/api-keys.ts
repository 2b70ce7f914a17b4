import crypto from 'node:crypto';
import type { ApiScope } from '../domain/api-scopes';
import type { Db } from './knex';
import { dbTime, toIso } from './time';

export interface ApiKeyRecord {
  id: number;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const API_KEY_NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export const hashApiKey = (key: string) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

/** A short public fingerprint of a key (first 12 hex digits of its SHA-256): safe to print and log. */
export const fingerprintOf = (key: string) => hashApiKey(key).slice(0, 12);

function fromRow(r: Record<string, any>): ApiKeyRecord {
  return {
    id: r.id, name: r.name, prefix: r.prefix, scopes: String(r.scopes).split(' ').filter(Boolean) as ApiScope[], createdBy: r.created_by,
    createdAt: toIso(r.created_at)!, lastUsedAt: toIso(r.last_used_at), revokedAt: toIso(r.revoked_at),
  };
}

/** Creates a key; the key itself is returned this once and never stored. */
export async function createApiKey(db: Db, input: { name: string; scopes: ApiScope[]; createdBy: string }): Promise<{ key: string; record: ApiKeyRecord }> {
  const prefix = `bfk_${crypto.randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;
  await db('api_keys').insert({
    name: input.name, prefix, key_hash: hashApiKey(key), scopes: [...new Set(input.scopes)].sort().join(' '), created_by: input.createdBy.slice(0, 100), created_at: dbTime(),
  });
  return { key, record: (await getApiKeyByName(db, input.name))! };
}

export async function getApiKeyByName(db: Db, name: string): Promise<ApiKeyRecord | undefined> {
  const row = await db('api_keys').where({ name }).first();
  return row ? fromRow(row) : undefined;
}

export async function listApiKeys(db: Db): Promise<ApiKeyRecord[]> {
  return (await db('api_keys').orderBy([{ column: 'revoked_at', order: 'desc' }, { column: 'name' }])).map(fromRow);
}

/** The live key with this secret, if any. */
export async function findLiveApiKey(db: Db, key: string): Promise<ApiKeyRecord | undefined> {
  const row = await db('api_keys').where({ key_hash: hashApiKey(key) }).whereNull('revoked_at').first();
  return row ? fromRow(row) : undefined;
}

/** Last use, written at most once a minute per key. */
export async function touchApiKey(db: Db, id: number, now = Date.now()): Promise<void> {
  await db('api_keys').where({ id }).andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', dbTime(now - 60_000))).update({ last_used_at: dbTime(now) });
}

export async function revokeApiKey(db: Db, name: string): Promise<boolean> {
  return (await db('api_keys').where({ name }).whereNull('revoked_at').update({ revoked_at: dbTime() })) === 1;
}
