import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../../db/users';
import { renderPage } from '../render';
import type { SignedInUser } from './types';

/**
 * staff < supervisor < admin: a route names the least role it needs; higher roles pass too.
 * `warehouse` ranks with staff (it sees what staff see) and also works the stations (requireStation).
 */
const RANK: Record<Role, number> = { staff: 1, warehouse: 1, supervisor: 2, admin: 3 };

export function hasRole(user: Pick<SignedInUser, 'role'> | null | undefined, role: Role): boolean {
  return !!user && RANK[user.role] >= RANK[role];
}

/** Who works the warehouse stations: the warehouse role, supervisors and admins (not plain staff). */
export function canWorkStations(user: Pick<SignedInUser, 'role'> | null | undefined): boolean {
  return !!user && (user.role === 'warehouse' || RANK[user.role] >= RANK.supervisor);
}

/** Only same-site paths ("/orders?x=1"), never "//evil.example" or "https://…". */
export function safeNext(raw: unknown, fallback = '/orders'): string {
  return typeof raw === 'string' && /^\/(?![/\\])[^\s]*$/.test(raw) && raw.length <= 500 ? raw : fallback;
}

/**
 * `router.get('/tasks', requireRole('supervisor'), handler)`. Not signed in: pages redirect to
 * /login?next=<path>, JSON callers get 401. Signed in with too low a role: 403.
 */
// RequestHandler<any>: so that a route's own params typing (e.g. ':orderNo' → string) is kept.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function requireRole(role: Role): RequestHandler<any> {
  return async (req: Request, res: Response, next: NextFunction) => {
    const wantsJson = req.accepts(['html', 'json']) === 'json';
    if (!req.user) {
      if (wantsJson) {
        res.status(401).json({ error: 'unauthorized', message: 'sign in first' });
        return;
      }
      const query = req.method === 'GET' ? `?next=${encodeURIComponent(safeNext(req.originalUrl))}` : '';
      res.redirect(req.method === 'GET' ? 302 : 303, `/login${query}`);
      return;
    }
    if (!hasRole(req.user, role)) {
      if (wantsJson) {
        res.status(403).json({ error: 'forbidden', message: `needs role ${role}` });
        return;
      }
      await renderPage(req, res, 'auth/denied', { titleKey: 'forbidden.title', messageKey: 'forbidden.message', messageParams: { role }, showLogin: false }, 403);
      return;
    }
    next();
  };
}

/** Like requireRole, for the warehouse stations (canWorkStations). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function requireStation(): RequestHandler<any> {
  const signedIn = requireRole('staff');
  return (req: Request, res: Response, next: NextFunction) =>
    signedIn(req, res, async () => {
      if (canWorkStations(req.user)) return next();
      if (req.accepts(['html', 'json']) === 'json') {
        res.status(403).json({ error: 'forbidden', message: 'needs role warehouse' });
        return;
      }
      await renderPage(req, res, 'auth/denied', { titleKey: 'forbidden.title', messageKey: 'forbidden.message', messageParams: { role: 'warehouse' }, showLogin: false }, 403);
    });
}
