/**
 * `npm run key -- create <name> <scope…>`, `npm run key -- list`, `npm run key -- revoke <name>`:
 * scoped API keys (db/api-keys.ts). A created key is printed once; only its SHA-256 is stored.
 * Also `npm run key -- webhook-secret` and `npm run key -- codec-key [id]`, which print a new
 * webhook secret or payload-encryption key to put into the environment (docs/operations.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../config/settings';
import { createApiKey, getApiKeyByName, listApiKeys, revokeApiKey, API_KEY_NAME } from '../db/api-keys';
import { recordAudit } from '../db/audit';
import { createDb, migrateToLatest } from '../db/knex';
import { API_SCOPES, isApiScope } from '../domain/api-scopes';
import { generateWebhookSecret, signWebhook } from '../adapters/webhooks/standard-webhooks';
import { isWebhookProvider, webhookSecretsFromEnv } from '../web/webhooks/secrets';
import { generateCodecKey } from '../worker/encryption-codec';

const USAGE = `usage:
  npm run key -- create <name> <scope> [scope…]   scopes: ${API_SCOPES.join(', ')}
  npm run key -- list
  npm run key -- revoke <name>
  npm run key -- webhook-secret                   a new whsec_… for BOXFLOW_WEBHOOK_SECRETS_<PROVIDER>
  npm run key -- codec-key [id]                   a new <id>:<key> for BOXFLOW_CODEC_KEYS
  npm run key -- sign <payment|sf|yto|dhl|fedex> '<json>' [url]   a signed curl line (sandbox, testing)`;

export async function main(argv: string[], out: (s: string) => void = console.log, err: (s: string) => void = console.error): Promise<number> {
  const [command, name, ...rest] = argv;
  if (command === 'webhook-secret') return out(generateWebhookSecret()), 0;
  if (command === 'codec-key') return out(generateCodecKey(name)), 0;
  if (command === 'sign') return signedCurl(name, rest, out, err);
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

/** Prints a curl line posting the body to the provider's webhook, signed with its first secret (env, else the sandbox file). */
function signedCurl(provider: string | undefined, [body, url]: string[], out: (s: string) => void, err: (s: string) => void): number {
  const settings = loadSettings();
  if (!provider || !isWebhookProvider(provider) || !body) return err(USAGE), 2;
  const secrets = webhookSecretsFromEnv()[provider] ?? [];
  if (!secrets.length) {
    try {
      secrets.push(JSON.parse(fs.readFileSync(path.join(settings.dataDir, 'webhook-secrets.json'), 'utf8'))[provider]);
    } catch {
      return err(`no secret for ${provider}: set BOXFLOW_WEBHOOK_SECRETS_${provider.toUpperCase()} (or run npm start in sandbox mode once)`), 1;
    }
  }
  const signed = signWebhook(secrets[0], body);
  const target = url ?? `http://localhost:${settings.port}/api/webhooks/${provider === 'payment' ? 'payment' : `tracking/${provider}`}`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  out(`curl -s -X POST ${target} ${Object.entries(signed.headers).map(([k, v]) => `-H ${q(`${k}: ${v}`)}`).join(' ')} --data-raw ${q(signed.body)}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(1);
  });
}
