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
  // multipart/form-data is parsed later, by the route's own multer: such forms put the token in
  // the action URL (?_csrf=…) instead. Only for multipart, so ordinary links never carry it.
  if (req.is('multipart/form-data') && typeof req.query[CSRF_FIELD] === 'string') return req.query[CSRF_FIELD] as string;
  return undefined;
}

/**
 * Synchronizer-token CSRF check: every POST/PUT/PATCH/DELETE outside /api must carry the session's
 * token as form field `_csrf` or header `X-CSRF-Token`, else 403. Mount after sessionMiddleware and
 * the urlencoded body parser; /api is exempt (it authenticates with a Bearer key, not a cookie).
 */
export function csrfProtection(): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || req.originalUrl === '/api' || req.originalUrl.startsWith('/api/')) return next();
    const expected = req.authSession?.csrfToken;
    const sent = sentToken(req);
    if (expected && sent && sameToken(sent, expected)) return next();
    res.set('Cache-Control', 'no-store');
    await renderPage(req, res, 'auth/denied', { titleKey: 'csrf.title', messageKey: 'csrf.message', showLogin: !req.user }, 403);
  };
}
