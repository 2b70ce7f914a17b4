import { Request, Response, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { deleteSessionsOfUser, markReauthenticated } from '../../db/sessions';
import {
  countActiveAdmins,
  createUser,
  findUserForLogin,
  getUser,
  getUserWithHash,
  isRole,
  listUsers,
  normalizeUsername,
  ROLES,
  setUserActive,
  setMustChangePassword,
  setUserPasswordHash,
  setUserRole,
  USERNAME_PATTERN,
  UsernameTakenError,
  UserRecord,
} from '../../db/users';
import { renderPage } from '../render';
import { burnVerifyTime, generatePassword, hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords';
import { requireRole, safeNext } from './roles';
import { endSession, ensureSession, startSession } from './sessions';

export interface AuthRouteOptions {
  /** Failed sign-ins allowed per IP + username per window (default 10 per 15 min). */
  loginLimit?: number;
  loginWindowMs?: number;
}

const str = (v: unknown, max = 1000): string => (typeof v === 'string' ? v.trim().slice(0, max) : '');
/** Password fields are not trimmed: a space is a character. */
const pw = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 1000) : '');

/** Admin actions need the password entered this recently. */
const REAUTH_MS = 10 * 60 * 1000;

/** Outcomes the admin page may announce after a redirect; anything else in ?done= is ignored. */
const ADMIN_NOTICES = new Set(['role', 'deactivated', 'activated']);

function noStore(res: Response) {
  res.set('Cache-Control', 'no-store');
}

/** Sign-in, sign-out, own account and user administration (all HTML forms, all POST with _csrf). */
export function authRoutes(db: Db, opts: AuthRouteOptions = {}): Router {
  const r = Router();

  // Admin actions need the password entered in the last 10 minutes (at sign-in or here), so that an
  // unattended signed-in browser cannot create users, change roles or mint API keys.
  r.use('/admin', async (req, res, next) => {
    if (req.method !== 'POST' || req.path === '/reauth' || !req.user) return next();
    const at = Date.parse(req.authSession?.authenticatedAt ?? '');
    if (Number.isFinite(at) && Date.now() - at < REAUTH_MS) return next();
    noStore(res);
    await renderPage(req, res, 'auth/reauth', { errorKey: '', next: req.path.startsWith('/api-keys') ? '/admin/api-keys' : req.path.startsWith('/webhooks') ? '/admin/webhooks' : '/admin/users' }, 401);
  });
  r.get('/admin/reauth', requireRole('admin'), async (req, res) => {
    noStore(res);
    await renderPage(req, res, 'auth/reauth', { errorKey: '', next: safeNext(req.query.next, '/admin/users') });
  });
  r.post('/admin/reauth', requireRole('admin'), async (req, res) => {
    const me = (await getUserWithHash(db, req.user!.id))!;
    const next = safeNext(req.body?.next, '/admin/users');
    noStore(res);
    if (!(await verifyPassword(pw(req.body?.password), me.passwordHash))) {
      await recordAudit(db, { actor: me.username, action: 'auth.reauth_failed', subject: `user:${me.username}` });
      return renderPage(req, res, 'auth/reauth', { errorKey: 'login.failed', next }, 403);
    }
    await markReauthenticated(db, req.authSession!.id);
    res.redirect(303, next);
  });

  // A generated password is changed first: until then only the account page and signing out.
  r.use((req, res, next) => {
    if (!req.user?.mustChangePassword || ['/account', '/account/password', '/logout'].includes(req.path) || req.path.startsWith('/lang/')) return next();
    if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(302, '/account');
    res.status(403).set('Cache-Control', 'no-store');
    return void renderPage(req, res, 'error', { messageKey: 'account.mustChange' }, 403);
  });

  const tooMany = async (req: Request, res: Response) => {
    noStore(res);
    await renderPage(req, res, 'auth/login', { next: safeNext(req.body?.next), username: str(req.body?.username, 64), errorKey: 'login.tooMany' }, 429);
  };
  // Counts failed sign-ins only (a success answers 303): one person signing in and out all day is
  // never locked out, a guesser is. Per IP + username, plus a looser per-IP cap against spraying
  // one password over many usernames. Memory store: per web process, reset on restart.
  const perAccount = rateLimit({
    windowMs: opts.loginWindowMs ?? 15 * 60 * 1000,
    limit: opts.loginLimit ?? 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${normalizeUsername(req.body?.username).slice(0, 64)}`,
    handler: tooMany,
  });
  const perIp = rateLimit({
    windowMs: opts.loginWindowMs ?? 15 * 60 * 1000,
    limit: (opts.loginLimit ?? 10) * 5,
    skipSuccessfulRequests: true,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? ''),
    handler: tooMany,
  });

  r.get('/login', async (req, res) => {
    const next = safeNext(req.query.next);
    if (req.user) return res.redirect(next);
    await ensureSession(db, req, res);
    noStore(res);
    await renderPage(req, res, 'auth/login', { next, username: '', errorKey: '' });
  });

  r.post('/login', perIp, perAccount, async (req, res) => {
    const username = normalizeUsername(str(req.body?.username, 64));
    const password = pw(req.body?.password);
    const next = safeNext(req.body?.next);
    const user = username && password ? await findUserForLogin(db, username) : undefined;
    let ok = false;
    if (user && user.active) ok = await verifyPassword(password, user.passwordHash);
    else await burnVerifyTime(password || 'x');
    if (!ok || !user) {
      await recordAudit(db, { actor: 'anonymous', action: 'auth.login_failed', subject: `user:${username}`.slice(0, 200), data: { ip: req.ip ?? null } });
      noStore(res);
      return renderPage(req, res, 'auth/login', { next, username, errorKey: 'login.failed' }, 401);
    }
    if (needsRehash(user.passwordHash)) await setUserPasswordHash(db, user.id, await hashPassword(password));
    await startSession(db, req, res, user.id);
    await recordAudit(db, { actor: user.username, action: 'auth.login', subject: `user:${user.username}`, data: { ip: req.ip ?? null } });
    res.redirect(303, next);
  });

  r.post('/logout', async (req, res) => {
    if (req.user) await recordAudit(db, { actor: req.user.username, action: 'auth.logout', subject: `user:${req.user.username}` });
    await endSession(db, req, res);
    res.redirect(303, '/login');
  });

  // Own account: change password.
  r.get('/account', requireRole('staff'), async (req, res) => {
    noStore(res);
    await renderPage(req, res, 'auth/account', { errorKey: '', noticeKey: req.user!.mustChangePassword ? 'account.mustChange' : '' });
  });

  r.post('/account/password', requireRole('staff'), async (req, res) => {
    const me = (await getUserWithHash(db, req.user!.id))!;
    const current = pw(req.body?.currentPassword);
    const fresh = pw(req.body?.newPassword);
    const again = pw(req.body?.confirmPassword);
    noStore(res);
    const fail = (errorKey: string, status = 400) => renderPage(req, res, 'auth/account', { errorKey, noticeKey: '' }, status);
    if (!(await verifyPassword(current, me.passwordHash))) return fail('account.error.current', 403);
    if (fresh !== again) return fail('account.error.mismatch');
    const problem = passwordProblem(fresh, me.username);
    if (problem) return fail(problem);
    await setUserPasswordHash(db, me.id, await hashPassword(fresh));
    await setMustChangePassword(db, me.id, false);
    // A changed password signs out every other browser, and this one gets a new session id.
    await deleteSessionsOfUser(db, me.id, req.authSession?.id);
    await startSession(db, req, res, me.id);
    await recordAudit(db, { actor: me.username, action: 'account.password_change', subject: `user:${me.username}` });
    await renderPage(req, res, 'auth/account', { errorKey: '', noticeKey: 'account.changed' });
  });

  // User administration.
  const adminList = async (req: Request, res: Response, extra: { errorKey?: string; errorParams?: Record<string, string>; noticeKey?: string } = {}, status = 200) => {
    const done = typeof req.query.done === 'string' && ADMIN_NOTICES.has(req.query.done) ? `admin.done.${req.query.done}` : '';
    noStore(res);
    await renderPage(req, res, 'admin/users', {
      users: await listUsers(db),
      roles: ROLES,
      errorKey: extra.errorKey ?? '',
      errorParams: extra.errorParams ?? {},
      noticeKey: extra.noticeKey ?? done,
    }, status);
  };

  r.get('/admin/users', requireRole('admin'), async (req, res) => adminList(req, res));

  r.post('/admin/users', requireRole('admin'), async (req, res) => {
    const username = normalizeUsername(str(req.body?.username, 100));
    const displayName = str(req.body?.displayName, 200);
    const role = req.body?.role;
    const reason = str(req.body?.reason);
    if (!USERNAME_PATTERN.test(username)) return adminList(req, res, { errorKey: 'admin.error.username' }, 400);
    if (!isRole(role)) return adminList(req, res, { errorKey: 'admin.error.role' }, 400);
    const password = generatePassword();
    let user: UserRecord;
    try {
      user = await createUser(db, { username, displayName, role, passwordHash: await hashPassword(password) });
      await setMustChangePassword(db, user.id, true);
    } catch (err) {
      if (err instanceof UsernameTakenError) return adminList(req, res, { errorKey: 'admin.error.taken', errorParams: { username } }, 409);
      throw err;
    }
    await recordAudit(db, { actor: req.user!.username, action: 'user.create', subject: `user:${user.username}`, reason, data: { userId: user.id, role } });
    noStore(res);
    await renderPage(req, res, 'admin/password', { target: user, password, created: true }, 201);
  });

  /** The target user, or a 404 answered; and refuses to leave the shop without an active admin. */
  const target = async (req: Request, res: Response): Promise<UserRecord | undefined> => {
    const id = Number.parseInt(String(req.params.id), 10);
    const user = Number.isSafeInteger(id) ? await getUser(db, id) : undefined;
    if (!user) await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404);
    return user;
  };
  const wouldRemoveLastAdmin = async (user: UserRecord) => user.role === 'admin' && user.active && (await countActiveAdmins(db)) <= 1;

  r.post('/admin/users/:id/role', requireRole('admin'), async (req, res) => {
    const user = await target(req, res);
    if (!user) return;
    const role = req.body?.role;
    if (!isRole(role)) return adminList(req, res, { errorKey: 'admin.error.role' }, 400);
    if (role === user.role) return res.redirect(303, '/admin/users');
    if (role !== 'admin' && (await wouldRemoveLastAdmin(user))) return adminList(req, res, { errorKey: 'admin.error.lastAdmin' }, 409);
    await setUserRole(db, user.id, role);
    await recordAudit(db, { actor: req.user!.username, action: 'user.role_change', subject: `user:${user.username}`, reason: str(req.body?.reason), data: { userId: user.id, from: user.role, to: role } });
    res.redirect(303, '/admin/users?done=role');
  });

  r.post('/admin/users/:id/deactivate', requireRole('admin'), async (req, res) => {
    const user = await target(req, res);
    if (!user) return;
    if (user.id === req.user!.id) return adminList(req, res, { errorKey: 'admin.error.self' }, 409);
    if (await wouldRemoveLastAdmin(user)) return adminList(req, res, { errorKey: 'admin.error.lastAdmin' }, 409);
    await setUserActive(db, user.id, false);
    await deleteSessionsOfUser(db, user.id);
    await recordAudit(db, { actor: req.user!.username, action: 'user.deactivate', subject: `user:${user.username}`, reason: str(req.body?.reason), data: { userId: user.id } });
    res.redirect(303, '/admin/users?done=deactivated');
  });

  r.post('/admin/users/:id/activate', requireRole('admin'), async (req, res) => {
    const user = await target(req, res);
    if (!user) return;
    await setUserActive(db, user.id, true);
    await recordAudit(db, { actor: req.user!.username, action: 'user.activate', subject: `user:${user.username}`, reason: str(req.body?.reason), data: { userId: user.id } });
    res.redirect(303, '/admin/users?done=activated');
  });

  r.post('/admin/users/:id/password', requireRole('admin'), async (req, res) => {
    const user = await target(req, res);
    if (!user) return;
    const password = generatePassword();
    await setUserPasswordHash(db, user.id, await hashPassword(password));
    await setMustChangePassword(db, user.id, true);
    // The old password may be known to someone else: sign the account out everywhere.
    await deleteSessionsOfUser(db, user.id, user.id === req.user!.id ? req.authSession?.id : undefined);
    await recordAudit(db, { actor: req.user!.username, action: 'user.password_reset', subject: `user:${user.username}`, reason: str(req.body?.reason), data: { userId: user.id } });
    noStore(res);
    await renderPage(req, res, 'admin/password', { target: user, password, created: false });
  });

  return r;
}
