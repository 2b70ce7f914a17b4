import { Request, Response, Router } from 'express';
import { API_KEY_NAME, createApiKey, fingerprintOf, getApiKeyByName, listApiKeys, revokeApiKey } from '../../db/api-keys';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/knex';
import { API_SCOPES, isApiScope } from '../../domain/api-scopes';
import { requireRole } from '../auth/roles';
import { renderPage } from '../render';

/** Issue 13: the admin page of scoped API keys (the same as `npm run key`). A new key is shown once. */
export function apiKeyPages(db: Db, operatorKey: string): Router {
  const r = Router();
  const page = async (req: Request, res: Response, extra: { errorKey?: string; errorParams?: Record<string, string>; created?: { name: string; key: string } } = {}, status = 200) => {
    res.set('Cache-Control', 'no-store');
    await renderPage(req, res, 'admin/api-keys', {
      keys: await listApiKeys(db),
      scopes: API_SCOPES,
      operatorFingerprint: fingerprintOf(operatorKey),
      created: extra.created ?? null,
      errorKey: extra.errorKey ?? '',
      errorParams: extra.errorParams ?? {},
      noticeKey: req.query.done === 'revoked' ? 'apiKeys.done.revoked' : '',
    }, status);
  };

  r.get('/admin/api-keys', requireRole('admin'), async (req, res) => page(req, res));

  r.post('/admin/api-keys', requireRole('admin'), async (req, res) => {
    const name = typeof req.body?.name === 'string' ? req.body.name.trim().toLowerCase().slice(0, 100) : '';
    const raw = req.body?.scopes;
    const scopes = (Array.isArray(raw) ? raw : [raw]).filter((s): s is string => typeof s === 'string');
    if (!API_KEY_NAME.test(name)) return page(req, res, { errorKey: 'apiKeys.error.name' }, 400);
    if (!scopes.length || !scopes.every(isApiScope)) return page(req, res, { errorKey: 'apiKeys.error.scopes' }, 400);
    if (await getApiKeyByName(db, name)) return page(req, res, { errorKey: 'apiKeys.error.taken', errorParams: { name } }, 409);
    const { key, record } = await createApiKey(db, { name, scopes: scopes.filter(isApiScope), createdBy: req.user!.username });
    await recordAudit(db, { actor: req.user!.username, action: 'api_key.created', subject: `api_key:${name}`, data: { scopes: record.scopes } });
    await page(req, res, { created: { name, key } }, 201);
  });

  r.post('/admin/api-keys/:id/revoke', requireRole('admin'), async (req, res) => {
    const id = Number.parseInt(String(req.params.id), 10);
    const row = Number.isSafeInteger(id) ? await db('api_keys').where({ id }).whereNull('revoked_at').first() : undefined;
    if (!row) return void (await renderPage(req, res, 'error', { messageKey: 'error.notFound' }, 404));
    await revokeApiKey(db, row.name);
    await recordAudit(db, { actor: req.user!.username, action: 'api_key.revoked', subject: `api_key:${row.name}` });
    res.redirect(303, '/admin/api-keys?done=revoked');
  });

  return r;
}
