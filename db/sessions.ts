import type { Db } from './knex';
import { dbTime, toIso } from './time';
import type { Role } from './users';

/**
 * Session rows. `id` is always the SHA-256 (hex) of the cookie's token: callers hash before they
 * come here (web/auth/sessions.ts), so the token itself never reaches the database.
 */
export interface SessionRecord {
  id: string;
  userId: number | null;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
  /** When the password was last entered in this session (sign-in or re-authentication). */
  authenticatedAt?: string | null;
}

/** A live session joined with its (active) user, as the middleware needs it on every request. */
export interface SessionWithUser extends SessionRecord {
  user: { id: number; username: string; displayName: string; role: Role } | null;
}

export async function insertSession(
  db: Db,
  s: { id: string; userId: number | null; csrfToken: string; expiresAt: Date; ip?: string; userAgent?: string },
): Promise<void> {
  const now = dbTime();
  await db('sessions').insert({
    id: s.id,
    user_id: s.userId,
    csrf_token: s.csrfToken,
    created_at: now,
    expires_at: dbTime(s.expiresAt),
    last_seen_at: now,
    ip: s.ip?.slice(0, 64) ?? null,
    user_agent: s.userAgent?.slice(0, 500) ?? null,
    authenticated_at: s.userId === null ? null : now,
  });
}

/** The password was just entered again in this session. */
export async function markReauthenticated(db: Db, id: string, now = new Date()): Promise<void> {
  await db('sessions').where({ id }).update({ authenticated_at: dbTime(now) });
}

/** The session if it exists and has not expired; a deactivated user's session counts as gone. */
export async function findLiveSession(db: Db, id: string, now = new Date()): Promise<SessionWithUser | undefined> {
  const row = await db('sessions as s')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .where('s.id', id)
    .andWhere('s.expires_at', '>', dbTime(now))
    .first('s.*', 'u.username', 'u.display_name', 'u.role', 'u.active', 'u.must_change_password');
  if (!row) return undefined;
  if (row.user_id !== null && row.user_id !== undefined && !row.active) return undefined;
  return {
    id: row.id,
    userId: row.user_id ?? null,
    csrfToken: row.csrf_token,
    createdAt: toIso(row.created_at)!,
    expiresAt: toIso(row.expires_at)!,
    lastSeenAt: toIso(row.last_seen_at)!,
    authenticatedAt: toIso(row.authenticated_at),
    user: row.user_id ? { id: row.user_id, username: row.username, displayName: row.display_name, role: row.role, ...(row.must_change_password ? { mustChangePassword: true } : {}) } : null,
  };
}

export async function touchSession(db: Db, id: string, expiresAt: Date, now = new Date()): Promise<void> {
  await db('sessions').where({ id }).update({ last_seen_at: dbTime(now), expires_at: dbTime(expiresAt) });
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db('sessions').where({ id }).del();
}

/** Signs a user out everywhere (deactivation, password reset); `except` keeps the caller's own session. */
export async function deleteSessionsOfUser(db: Db, userId: number, except?: string): Promise<number> {
  const q = db('sessions').where({ user_id: userId });
  if (except) q.whereNot({ id: except });
  return q.del();
}

export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<number> {
  return db('sessions').where('expires_at', '<=', dbTime(now)).del();
}
