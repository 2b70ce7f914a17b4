/**
 * `npm run key -- create <name> <scope…>`, `npm run key -- list`, `npm run key -- revoke <name>`:
 * scoped API keys (db/api-keys.ts). A created key is printed once; only its SHA-256 is stored.
 * Also `npm run key -- webhook-secret` and `npm run key -- codec-key [id]`, which print a new
 * webhook secret or payload-encryption key to put into the environment (docs/operations.md).
 */
import os from 'node:os';
import { loadSettings } from '../config/settings';
import { createApiKey, getApiKeyByName, listApiKeys, revokeApiKey, API_KEY_NAME } from '../db/api-keys';
import { recordAudit } from '../db/audit';
import { createDb, migrateToLatest } from '../db/knex';
import { API_SCOPES, isApiScope } from '../domain/api-scopes';
import { generateWebhookSecret } from '../adapters/webhooks/standard-webhooks';
import { generateCodecKey } from '../worker/encryption-codec';

const USAGE = `usage:
  npm run key -- create <name> <scope> [scope…]   scopes: ${API_SCOPES.join(', ')}
  npm run key -- list
  npm run key -- revoke <name>
  npm run key -- webhook-secret                   a new whsec_… for BOXFLOW_WEBHOOK_SECRETS_<PROVIDER>
  npm run key -- codec-key [id]                   a new <id>:<key> for BOXFLOW_CODEC_KEYS`;

export async function main(argv: string[], out: (s: string) => void = console.log, err: (s: string) => void = console.error): Promise<number> {
  const [command, name, ...rest] = argv;
  if (command === 'webhook-secret') return out(generateWebhookSecret()), 0;
  if (command === 'codec-key') return out(generateCodecKey(name)), 0;
  if (!['create', 'list', 'revoke'].includes(command ?? '')) return err(USAGE), 2;
  const db = createDb(loadSettings());
  const actor = `cli:${os.userInfo().username}`.slice(0, 64);
  try {
    await migrateToLatest(db);
    if (command === 'list') {
      const keys = await listApiKeys(db);
      if (!keys.length) out('no API keys (the operator key BOXFLOW_API_KEY has every scope)');
      for (const k of keys) out(`${k.name}\t${k.prefix}…\t${k.scopes.join(' ')}\tcreated ${k.createdAt} by ${k.createdBy}\tlast used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `\tREVOKED ${k.revokedAt}` : ''}`);
      return 0;
    }
    if (!name || !API_KEY_NAME.test(name)) return err(`name: 2–64 lower-case letters, digits or . _ -\n${USAGE}`), 2;
    if (command === 'revoke') {
      if (!(await revokeApiKey(db, name))) return err(`no live key named ${name}`), 1;
      await recordAudit(db, { actor, action: 'api_key.revoked', subject: `api_key:${name}`, reason: 'revoked with npm run key' });
      out(`Revoked ${name}: it is refused from now on.`);
      return 0;
    }
    const scopes = rest.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
    const bad = scopes.filter((s) => !isApiScope(s));
    if (!scopes.length || bad.length) return err(`${bad.length ? `unknown scope(s): ${bad.join(', ')}\n` : 'give at least one scope\n'}${USAGE}`), 2;
    if (await getApiKeyByName(db, name)) return err(`a key named ${name} exists already (revoked keys keep their name)`), 1;
    const { key, record } = await createApiKey(db, { name, scopes: scopes.filter(isApiScope), createdBy: actor });
    await recordAudit(db, { actor, action: 'api_key.created', subject: `api_key:${name}`, reason: 'created with npm run key', data: { scopes: record.scopes } });
    out(`Created ${name} (${record.scopes.join(' ')}). Key (shown once): ${key}`);
    return 0;
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(1);
  });
}
