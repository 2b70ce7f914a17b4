import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** API calls carry `Authorization: Bearer <key>`; compared in constant time. */
export function requireApiKey(apiKey: string) {
  const expected = crypto.createHash('sha256').update(apiKey).digest();
  return (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const given = match ? crypto.createHash('sha256').update(match[1]).digest() : undefined;
    if (!given || !crypto.timingSafeEqual(given, expected)) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unauthorized', message: 'missing or wrong API key (Authorization: Bearer <key>)' });
      return;
    }
    next();
  };
}
