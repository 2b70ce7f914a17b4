import type { Db } from './knex';
import { dbTime, toIso } from './time';

/** `warehouse`: staff who work the floor's stations (pick, pack, hand-over) as well as what staff see. */
export const ROLES = ['staff', 'warehouse', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Lower-case letters, digits and . _ - : safe in URLs, logs and the audit log's actor column. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function normalizeUsername(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim().toLowerCase() : '';
}

export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
}

/** Only the sign-in code reads the hash; everything else gets UserRecord without it. */
export interface UserWithHash extends UserRecord {
  passwordHash: string;
}

function fromRow(r: Record<string, any>): UserWithHash {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    active: Boolean(r.active),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
    passwordChangedAt: toIso(r.password_changed_at)!,
    passwordHash: r.password_hash,
  };
}

function withoutHash(u: UserWithHash): UserRecord {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`username "${username}" is taken`);
  }
}

export async function createUser(
  db: Db,
  input: { username: string; displayName?: string; role: Role; passwordHash: string },
): Promise<UserRecord> {
  const username = normalizeUsername(input.username);
  if (!USERNAME_PATTERN.test(username)) throw new Error(`invalid username "${input.username}"`);
  const now = dbTime();
  const existing = await db('users').where({ username }).first();
  if (existing) throw new UsernameTakenError(username);
  try {
    const [row] = await db('users')
      .insert({
        username,
        display_name: (input.displayName ?? '').trim() || username,
        password_hash: input.passwordHash,
        role: input.role,
        active: true,
        created_at: now,
        updated_at: now,
        password_changed_at: now,
      })
      .returning('*');
    return withoutHash(fromRow(row));
  } catch (err) {
    // Two admins creating the same name at once: the unique index decides.
    if (/unique|duplicate/i.test((err as Error).message)) throw new UsernameTakenError(username);
    throw err;
  }
}

export async function findUserForLogin(db: Db, username: string): Promise<UserWithHash | undefined> {
  const row = await db('users').where({ username: normalizeUsername(username) }).first();
  return row ? fromRow(row) : undefined;
}

export async function getUser(db: Db, id: number): Promise<UserRecord | undefined> {
  const row = await db('users').where({ id }).first();
  return row ? withoutHash(fromRow(row)) : undefined;
}

export async function getUserWithHash(db: Db, id: number): Promise<UserWithHash | undefined> {
  const row = await db('users').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function getUserByUsername(db: Db, username: string): Promise<UserRecord | undefined> {
  const u = await findUserForLogin(db, username);
  return u ? withoutHash(u) : undefined;
}

export async function listUsers(db: Db): Promise<UserRecord[]> {
  const rows = await db('users').orderBy([{ column: 'active', order: 'desc' }, { column: 'username' }]);
  return rows.map((r) => withoutHash(fromRow(r)));
}

export async function countUsers(db: Db): Promise<number> {
  const [{ n }] = await db('users').count({ n: '*' });
  return Number(n);
}

export async function countActiveAdmins(db: Db): Promise<number> {
  const [{ n }] = await db('users').where({ role: 'admin', active: true }).count({ n: '*' });
  return Number(n);
}

export async function setUserRole(db: Db, id: number, role: Role): Promise<void> {
  await db('users').where({ id }).update({ role, updated_at: dbTime() });
}

export async function setUserActive(db: Db, id: number, active: boolean): Promise<void> {
  await db('users').where({ id }).update({ active, updated_at: dbTime() });
}

export async function setUserPasswordHash(db: Db, id: number, passwordHash: string): Promise<void> {
  const now = dbTime();
  await db('users').where({ id }).update({ password_hash: passwordHash, password_changed_at: now, updated_at: now });
}

/** A generated password (new user, reset) must be changed at the next sign-in; a chosen one clears it. */
export async function setMustChangePassword(db: Db, id: number, value: boolean): Promise<void> {
  await db('users').where({ id }).update({ must_change_password: value });
}
