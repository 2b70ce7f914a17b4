import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Db } from '../../db/knex';
import { deleteExpiredSessions, deleteSession, findLiveSession, insertSession, touchSession } from '../../db/sessions';
import './types';

export const SESSION_COOKIE = 'bf_session';
/**
 * With Secure cookies (https, or BOXFLOW_SECURE_COOKIES=1) the cookie is `__Host-bf_session`: the
 * browser then only accepts it Secure, from this host, for Path=/ — a sibling subdomain cannot plant
 * or overwrite it. Only the name of the current mode is read.
 */
export const SECURE_SESSION_COOKIE = '__Host-bf_session';
const cookieName = (req: Request) => (secureCookie(req) ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

/** How long a session lives without requests (sliding), and at most in total. */
export const SESSION_IDLE_MS = 12 * 3600 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600 * 1000;
/** A visitor who only opened /login gets a short-lived session for the form's CSRF token. */
const ANONYMOUS_IDLE_MS = 2 * 3600 * 1000;
/** Sliding expiry is written at most this often, not on every request. */
const TOUCH_EVERY_MS = 60 * 1000;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url
/**
 * A visitor who is not signed in (the login form) gets a cookie but no database row (issue 13: every
 * cookieless GET /login used to insert one): `anon_<32 random bytes>`, its CSRF token derived from it.
 */
const ANON_PREFIX = 'anon_';
const ANON_PATTERN = /^anon_[A-Za-z0-9_-]{43}$/;
const anonCsrf = (token: string) => crypto.createHash('sha256').update(`csrf:${token}`).digest('base64url');

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function secureCookie(req: Request): boolean {
  return req.secure || process.env.BOXFLOW_SECURE_COOKIES === '1';
}

function setSessionCookie(req: Request, res: Response, token: string) {
  // No maxAge: a browser-session cookie; the server decides expiry (idle and absolute) from the row.
  res.cookie(cookieName(req), token, { httpOnly: true, sameSite: 'lax', secure: secureCookie(req), path: '/' });
}

function clearSessionCookie(req: Request, res: Response) {
  res.clearCookie(cookieName(req), { httpOnly: true, sameSite: 'lax', secure: secureCookie(req), path: '/' });
}

function exposeSession(req: Request, res: Response, s: { id: string; userId: number | null; csrfToken: string; authenticatedAt?: string | null }) {
  req.authSession = { id: s.id, userId: s.userId, csrfToken: s.csrfToken, authenticatedAt: s.authenticatedAt ?? null };
  res.locals.csrfToken = s.csrfToken;
}

/**
 * Loads the session named by the `bf_session` cookie: sets `req.authSession`, and for a signed-in
 * active user `req.user` and `res.locals.user`; `res.locals.csrfToken` for forms. Mounted for page
 * routes only (the API authenticates with its key).
 */
export function sessionMiddleware(db: Db): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.user = null;
    res.locals.csrfToken = '';
    const token = readCookie(req, cookieName(req));
    if (!token) return next();
    if (ANON_PATTERN.test(token)) {
      exposeSession(req, res, { id: `${ANON_PREFIX}${hashToken(token)}`, userId: null, csrfToken: anonCsrf(token) });
      return next();
    }
    if (!TOKEN_PATTERN.test(token)) {
      clearSessionCookie(req, res);
      return next();
    }
    const id = hashToken(token);
    const now = new Date();
    const s = await findLiveSession(db, id, now);
    if (!s || Date.parse(s.createdAt) + SESSION_ABSOLUTE_MS <= now.getTime()) {
      if (s) await deleteSession(db, id);
      clearSessionCookie(req, res);
      return next();
    }
    if (now.getTime() - Date.parse(s.lastSeenAt) >= TOUCH_EVERY_MS) {
      const idle = s.userId === null ? ANONYMOUS_IDLE_MS : SESSION_IDLE_MS;
      await touchSession(db, id, new Date(Math.min(now.getTime() + idle, Date.parse(s.createdAt) + SESSION_ABSOLUTE_MS)), now);
    }
    exposeSession(req, res, s);
    if (s.user) {
      req.user = s.user;
      res.locals.user = s.user;
      // Pages for signed-in people carry customer data: never kept by a browser or proxy cache.
      res.set('Cache-Control', 'no-store');
    }
    next();
  };
}

/**
 * Starts a fresh session (new token, new CSRF token) and deletes the request's old one, if any:
 * this is the regeneration at sign-in that defeats session fixation. `userId` null = anonymous.
 */
export async function startSession(db: Db, req: Request, res: Response, userId: number | null): Promise<void> {
  if (req.authSession && !req.authSession.id.startsWith(ANON_PREFIX)) await deleteSession(db, req.authSession.id);
  // Housekeeping on a path that is rare enough (sign-in) and needs no scheduler.
  if (userId !== null) await deleteExpiredSessions(db);
  const token = crypto.randomBytes(32).toString('base64url');
  const csrfToken = crypto.randomBytes(32).toString('base64url');
  const id = hashToken(token);
  const idle = userId === null ? ANONYMOUS_IDLE_MS : SESSION_IDLE_MS;
  await insertSession(db, {
    id,
    userId,
    csrfToken,
    expiresAt: new Date(Date.now() + idle),
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
  });
  setSessionCookie(req, res, token);
  exposeSession(req, res, { id, userId, csrfToken, authenticatedAt: userId === null ? null : new Date().toISOString() });
  if (userId === null) {
    req.user = undefined;
    res.locals.user = null;
  }
}

/** The login form needs a CSRF token before anyone has signed in: a cookie, no row. */
export async function ensureSession(_db: Db, req: Request, res: Response): Promise<void> {
  if (req.authSession) return;
  const token = `${ANON_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
  setSessionCookie(req, res, token);
  exposeSession(req, res, { id: `${ANON_PREFIX}${hashToken(token)}`, userId: null, csrfToken: anonCsrf(token) });
}

/** Sign-out: the row goes, the cookie goes. */
export async function endSession(db: Db, req: Request, res: Response): Promise<void> {
  if (req.authSession && !req.authSession.id.startsWith(ANON_PREFIX)) await deleteSession(db, req.authSession.id);
  clearSessionCookie(req, res);
  req.authSession = undefined;
  req.user = undefined;
  res.locals.user = null;
  res.locals.csrfToken = '';
}
