/**
 * pino-http for the web app: one log line per request (level by status: 5xx error, 4xx warn, else
 * info) with a request id that is also returned as X-Request-Id and shown on error pages. A caller's
 * own X-Request-Id (a proxy's) is kept when it is a short token; anything else gets a fresh UUID.
 * Query strings are not logged (the customer-service search carries phone numbers); headers go
 * through the logger's redact paths (Authorization, Cookie).
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../observability/logger';

const QUIET = new Set(['/metrics', '/healthz', '/readyz']);

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(incoming) ? incoming : crypto.randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => QUIET.has((req.url ?? '').split('?')[0]) || (req.url ?? '').startsWith('/static/') },
    customSuccessMessage: (req, res) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`,
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        path: String(req.url ?? '').split('?')[0],
        headers: req.headers,
        remoteAddress: req.remoteAddress,
      }),
    },
  }) as unknown as RequestHandler;
}
