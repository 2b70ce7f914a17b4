import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { renderPage } from '../render';
import './types';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

function sameToken(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

function sentToken(req: Request): string | undefined {
  const header = req.headers[CSRF_HEADER];
  if (typeof header === 'string' && header) return header;
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body[CSRF_FIELD] === 'string') return body[CSRF_FIELD] as string;
  return undefined;
}

/**
 * multipart/form-data is parsed by the route's own multer, after the route has checked who may
 * upload (issue 13: the token no longer travels in the URL, and nobody else's upload is read). Only
 * these routes may defer the check, and each calls `csrfTokenValid` right after parsing.
 */
const DEFERRED_MULTIPART = [/^\/training\/runs\/[^/]+\/items\/[^/]+$/, /^\/warehouse\/pick\/[^/]+\/(damage|seal-broken)$/];

/** The deferred check, for a route that parsed its multipart body itself. */
export function csrfTokenValid(req: Request): boolean {
  const expected = req.authSession?.csrfToken;
  const sent = sentToken(req);
  return !!(expected && sent && sameToken(sent, expected));
}

/**
 * Synchronizer-token CSRF check: every POST/PUT/PATCH/DELETE outside /api must carry the session's
 * token as form field `_csrf` or header `X-CSRF-Token`, else 403. Mount after sessionMiddleware and
 * the urlencoded body parser; /api is exempt (it authenticates with a Bearer key, not a cookie).
 */
export function csrfProtection(): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || req.originalUrl === '/api' || req.originalUrl.startsWith('/api/')) return next();
    if (req.is('multipart/form-data') && typeof req.headers[CSRF_HEADER] !== 'string' && DEFERRED_MULTIPART.some((re) => re.test(req.path))) return next();
    const expected = req.authSession?.csrfToken;
    const sent = sentToken(req);
    if (expected && sent && sameToken(sent, expected)) return next();
    res.set('Cache-Control', 'no-store');
    await renderPage(req, res, 'auth/denied', { titleKey: 'csrf.title', messageKey: 'csrf.message', showLogin: !req.user }, 403);
  };
}
