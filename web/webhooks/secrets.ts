import fs from 'node:fs';
import path from 'node:path';

/**
 * Inbound webhook secrets, one list per provider, from the environment:
 * BOXFLOW_WEBHOOK_SECRETS_PAYMENT, BOXFLOW_WEBHOOK_SECRETS_SF, …_YTO, …_DHL, …_FEDEX. Each holds one
 * or more `whsec_…` secrets separated by spaces or commas: during a rotation both the old and the
 * new one are listed, and a message signed with either is accepted. A provider without a secret
 * cannot deliver webhooks at all (401).
 */
export const WEBHOOK_PROVIDERS = ['payment', 'sf', 'yto', 'dhl', 'fedex'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];
export type WebhookSecrets = Partial<Record<WebhookProvider, string[]>>;

const SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

export function webhookSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSecrets {
  const out: WebhookSecrets = {};
  for (const p of WEBHOOK_PROVIDERS) {
    const name = `BOXFLOW_WEBHOOK_SECRETS_${p.toUpperCase()}`;
    const raw = env[name];
    if (!raw || !raw.trim()) continue;
    const list = raw.split(/[\s,]+/).filter(Boolean);
    for (const s of list) {
      if (!SECRET.test(s)) throw new Error(`${name}: each secret must be whsec_ followed by at least 24 bytes of base64 (npm run key -- webhook-secret makes one)`);
    }
    out[p] = list;
  }
  return out;
}

export function isWebhookProvider(p: string): p is WebhookProvider {
  return (WEBHOOK_PROVIDERS as readonly string[]).includes(p);
}

/**
 * Sandbox only (npm start with BOXFLOW_SANDBOX=1 and no secret set): one secret per provider,
 * generated once into <data>/webhook-secrets.json (mode 600), so that the demo's webhooks can be
 * signed (`npm run key -- sign payment '<json>'`). Returned as BOXFLOW_WEBHOOK_SECRETS_* variables.
 */
export function sandboxWebhookSecretEnv(dataDir: string, generate: () => string): Record<string, string> {
  const file = path.join(dataDir, 'webhook-secrets.json');
  let stored: Record<string, string> = {};
  try {
    stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    stored = Object.fromEntries(WEBHOOK_PROVIDERS.map((p) => [p, generate()]));
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return Object.fromEntries(WEBHOOK_PROVIDERS.filter((p) => stored[p]).map((p) => [`BOXFLOW_WEBHOOK_SECRETS_${p.toUpperCase()}`, stored[p]]));
}
