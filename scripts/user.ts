/**
 * `npm run user -- create <username> <role>` and `npm run user -- reset-password <username>`: for
 * operators (e.g. when every admin is locked out). Prints a generated password once; there is no
 * way to choose one here, so no password ends up in shell history.
 */
import os from 'node:os';
import { loadSettings } from '../config/settings';
import { recordAudit } from '../db/audit';
import { createDb, migrateToLatest } from '../db/knex';
import { deleteSessionsOfUser } from '../db/sessions';
import { getUserByUsername, isRole, normalizeUsername, ROLES, setMustChangePassword, setUserActive, setUserPasswordHash, USERNAME_PATTERN } from '../db/users';
import { createUserWithGeneratedPassword } from '../web/auth/bootstrap';
import { generatePassword, hashPassword } from '../web/auth/passwords';

const USAGE = `usage:
  npm run user -- create <username> <${ROLES.join('|')}> [display name]
  npm run user -- reset-password <username>   (also re-activates the account)`;

async function main(argv: string[]): Promise<number> {
  const [command, rawName, ...rest] = argv;
  const username = normalizeUsername(rawName);
  if (!command || !username) {
    console.error(USAGE);
    return 2;
  }
  const settings = loadSettings();
  const db = createDb(settings);
  const actor = `cli:${os.userInfo().username}`.slice(0, 64);
  try {
    await migrateToLatest(db);
    if (command === 'create') {
      const [role, ...nameParts] = rest;
      if (!USERNAME_PATTERN.test(username)) {
        console.error('username: 2-64 lower-case letters, digits or . _ -');
        return 2;
      }
      if (!isRole(role)) {
        console.error(`role must be one of ${ROLES.join(', ')}\n${USAGE}`);
        return 2;
      }
      if (await getUserByUsername(db, username)) {
        console.error(`user ${username} exists already; use reset-password`);
        return 1;
      }
      const { user, password } = await createUserWithGeneratedPassword(db, { username, role, displayName: nameParts.join(' ') || undefined }, actor, 'created with npm run user');
      console.log(`Created ${user.username} (${user.role}). Password (shown once): ${password}`);
      console.log(`Sign in at http://localhost:${settings.port}/login and change it under Account.`);
      return 0;
    }
    if (command === 'reset-password') {
      const user = await getUserByUsername(db, username);
      if (!user) {
        console.error(`no user ${username}`);
        return 1;
      }
      const password = generatePassword();
      await setUserPasswordHash(db, user.id, await hashPassword(password));
      await setMustChangePassword(db, user.id, true);
      await setUserActive(db, user.id, true);
      await deleteSessionsOfUser(db, user.id);
      await recordAudit(db, { actor, action: 'user.password_reset', subject: `user:${user.username}`, reason: 'reset with npm run user', data: { userId: user.id } });
      console.log(`New password for ${user.username} (shown once): ${password}`);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error('[user] failed:', err);
    process.exit(1);
  });
