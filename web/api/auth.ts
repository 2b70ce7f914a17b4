import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { findLiveApiKey, touchApiKey } from '../../db/api-keys';
import type { Db } from '../../db/knex';
import { ApiScope, scopeFor } from '../../domain/api-scopes';

/** The key in deploy/boxflow.env.example: refused as is. */
export const EXAMPLE_API_KEY = 'bf_generate-a-long-random-key';
export const MIN_OPERATOR_KEY_LENGTH = 32;

/** Who called the API: the operator's full-access key (BOXFLOW_API_KEY) or a named, scoped key. */
export interface ApiCaller {
  name: string;
  scopes: '*' | ApiScope[];
}

declare module 'express-serve-static-core' {
  interface Request {
    apiCaller?: ApiCaller;
  }
}

/** The operator key must be long and not the example; throws with the reason otherwise. */
export function assertOperatorKey(apiKey: string): void {
  if (apiKey === EXAMPLE_API_KEY) throw new Error('BOXFLOW_API_KEY is the example from deploy/boxflow.env.example; generate one: openssl rand -base64 33');
  if (apiKey.length < MIN_OPERATOR_KEY_LENGTH) throw new Error(`BOXFLOW_API_KEY must be at least ${MIN_OPERATOR_KEY_LENGTH} characters (it has ${apiKey.length})`);
}

/** The name decisions and cancellations made with the operator key are recorded under. */
export const OPERATOR_CALLER = 'operator';

/**
 * API calls carry `Authorization: Bearer <key>`: the operator key (compared in constant time) or a
 * key from `api_keys` (by its SHA-256, not revoked). Then the route's scope (domain/api-scopes.ts)
 * must be one of the key's: 403 otherwise, and 403 for a route no scope covers.
 */
export function requireApiKey(db: Db, apiKey: string) {
  assertOperatorKey(apiKey);
  const expected = crypto.createHash('sha256').update(apiKey).digest();
  return async (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S{1,200})$/i.exec(req.headers.authorization ?? '');
    const given = match ? crypto.createHash('sha256').update(match[1]).digest() : undefined;
    if (given && crypto.timingSafeEqual(given, expected)) {
      req.apiCaller = { name: OPERATOR_CALLER, scopes: '*' };
      return next();
    }
    const key = match && match[1].startsWith('bfk_') ? await findLiveApiKey(db, match[1]) : undefined;
    if (!key) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unauthorized', message: 'missing, wrong or revoked API key (Authorization: Bearer <key>)' });
      return;
    }
    const scope = scopeFor(req.method, req.path);
    if (!scope || !key.scopes.includes(scope)) {
      res.status(403).json({ error: 'forbidden', message: scope ? `this key lacks the scope ${scope}` : 'no scope covers this route; only the operator key may call it' });
      return;
    }
    req.apiCaller = { name: key.name, scopes: key.scopes };
    await touchApiKey(db, key.id);
    next();
  };
}

/** Who a decision, cancellation or receipt made through the API is recorded as: the key's name. */
export function callerName(req: Request): string {
  return req.apiCaller?.name ?? OPERATOR_CALLER;
}
