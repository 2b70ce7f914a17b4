import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { countUsers, createUser, Role, setMustChangePassword, UsernameTakenError, UserRecord } from '../../db/users';
import { generatePassword, hashPassword } from './passwords';

/**
 * First start: with no user at all, creates `admin` with a random password and returns it (to be
 * printed once). There is no default password anywhere; afterwards this does nothing.
 */
export async function ensureFirstAdmin(db: Db): Promise<{ username: string; password: string } | undefined> {
  if ((await countUsers(db)) > 0) return undefined;
  try {
    const created = await createUserWithGeneratedPassword(db, { username: 'admin', displayName: 'Admin 管理员', role: 'admin' }, 'system', 'first start: no user existed');
    return { username: created.user.username, password: created.password };
  } catch (err) {
    if (err instanceof UsernameTakenError) return undefined; // another process got there first
    throw err;
  }
}

/** For operators (scripts/user.ts) and the first start: the password is generated, never chosen. */
export async function createUserWithGeneratedPassword(
  db: Db,
  input: { username: string; displayName?: string; role: Role },
  actor: string,
  reason?: string,
): Promise<{ user: UserRecord; password: string }> {
  const password = generatePassword();
  const user = await createUser(db, { ...input, passwordHash: await hashPassword(password) });
  await setMustChangePassword(db, user.id, true);
  await recordAudit(db, { actor, action: 'user.create', subject: `user:${user.username}`, reason, data: { userId: user.id, role: user.role } });
  return { user, password };
}
