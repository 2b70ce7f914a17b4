import express, { NextFunction, Request, Response, Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { hasRole } from './auth/roles';

/**
 * Temporal's codec-server protocol for the Temporal UI and CLI (`--codec-endpoint <web>/codec`):
 * POST /codec/encode and /codec/decode with `{payloads: [{metadata: {k: base64}, data: base64}]}`,
 * answered in the same shape. Behind supervisor sign-in (the session cookie; the UI sends it with
 * "include cross-origin credentials"). Cross-origin callers are allowed only from the origins in
 * BOXFLOW_CODEC_CORS_ORIGINS (e.g. the Temporal UI, http://localhost:8233).
 */
interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fromJson(p: unknown): Payload | undefined {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  const { metadata, data } = p as JsonPayload;
  if (data != null && (typeof data !== 'string' || !B64.test(data))) return undefined;
  if (metadata != null && (typeof metadata !== 'object' || Array.isArray(metadata))) return undefined;
  const meta: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string' || !B64.test(v)) return undefined;
    meta[k] = new Uint8Array(Buffer.from(v, 'base64'));
  }
  return { metadata: meta, data: new Uint8Array(Buffer.from(data ?? '', 'base64')) };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

export function codecRoutes(codec: PayloadCodec | undefined, corsOrigins: string[]): Router {
  const r = Router();
  const cors = (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && corsOrigins.includes(origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', 'Access-Control-Allow-Headers': 'content-type, x-namespace', 'Access-Control-Allow-Methods': 'POST', Vary: 'Origin' });
    }
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
  r.options('/codec/:op', cors);
  for (const op of ['encode', 'decode'] as const) {
    r.post(`/codec/${op}`, cors, express.json({ limit: '4mb' }), async (req, res) => {
      res.set('Cache-Control', 'no-store');
      if (!req.user) return void res.status(401).json({ error: 'unauthorized', message: 'sign in first (role supervisor)' });
      if (!hasRole(req.user, 'supervisor')) return void res.status(403).json({ error: 'forbidden', message: 'needs role supervisor' });
      if (!codec) return void res.status(404).json({ error: 'codec_not_configured', message: 'BOXFLOW_CODEC_KEYS is not set: payloads are not encrypted' });
      const raw = (req.body as { payloads?: unknown } | undefined)?.payloads;
      const payloads = Array.isArray(raw) && raw.length <= 1000 ? raw.map(fromJson) : undefined;
      if (!payloads || payloads.some((p) => !p)) return void res.status(400).json({ error: 'validation_failed', message: 'body must be {payloads: [{metadata: {key: base64}, data: base64}]}' });
      try {
        const out = op === 'encode' ? await codec.encode(payloads as Payload[]) : await codec.decode(payloads as Payload[]);
        res.json({ payloads: out.map(toJson) });
      } catch (err) {
        res.status(400).json({ error: 'codec_failed', message: (err as Error).message });
      }
    });
  }
  return r;
}
