import crypto from 'node:crypto';
import fs from 'node:fs';

/**
 * The real providers' credentials (issue 16, item 4), read from the environment and checked in one
 * place. Each provider is either fully configured (its settings object) or not at all; every
 * problem (a value missing, a file unreadable, a key that is not an RSA key, a URL that is not one)
 * becomes one line naming the variable, so that `BOXFLOW_SANDBOX=0` refuses to start with the whole
 * list at once instead of one error per restart.
 *
 * | provider  | variables                                                                                      |
 * |-----------|------------------------------------------------------------------------------------------------|
 * | alipay    | BOXFLOW_ALIPAY_APP_ID, BOXFLOW_ALIPAY_PRIVATE_KEY_FILE, BOXFLOW_ALIPAY_PUBLIC_KEY_FILE, BOXFLOW_ALIPAY_GATEWAY (BOXFLOW_ALIPAY_TIMEOUT_MS optional, default 5000) |
 * | sf        | BOXFLOW_SF_PARTNER_ID, BOXFLOW_SF_CHECK_WORD, BOXFLOW_SF_BASE_URL (optional: BOXFLOW_SF_MONTHLY_CARD, BOXFLOW_SF_TIMEOUT_MS default 10000) |
 * | kuaidi100 | BOXFLOW_KUAIDI100_KEY, BOXFLOW_KUAIDI100_CUSTOMER, BOXFLOW_KUAIDI100_SALT, BOXFLOW_KUAIDI100_CALLBACK_URL, BOXFLOW_KUAIDI100_BASE_URL (optional: BOXFLOW_KUAIDI100_TIMEOUT_MS default 10000) |
 *
 * BOXFLOW_KUAIDI100_SALT may list several salts (space or comma separated) during a change: new
 * subscriptions use the first, pushes signed with any of them are accepted (waybills subscribed
 * earlier keep the salt they were subscribed with).
 *
 * Sandbox mode (BOXFLOW_SANDBOX=1, the default) uses none of them.
 */
export const PROVIDERS = ['alipay', 'sf', 'kuaidi100'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export interface AlipaySettings {
  /** BOXFLOW_ALIPAY_APP_ID: the app's id on the Alipay open platform (digits). */
  appId: string;
  /** BOXFLOW_ALIPAY_PRIVATE_KEY_FILE, read and normalised to a PKCS#8 PEM: signs every request (RSA2). */
  privateKey: string;
  privateKeyFile: string;
  /** BOXFLOW_ALIPAY_PUBLIC_KEY_FILE ("支付宝公钥", not the app's own), normalised to an SPKI PEM: checks answers and notifications. */
  alipayPublicKey: string;
  alipayPublicKeyFile: string;
  /** BOXFLOW_ALIPAY_GATEWAY: the OpenAPI gateway, e.g. https://openapi.alipay.com/gateway.do (a base URL gets /gateway.do appended). */
  gateway: string;
  /** BOXFLOW_ALIPAY_TIMEOUT_MS: one HTTP call's timeout; past it the outcome is unknown and the activity retries. */
  timeoutMs: number;
}

export interface SfSettings {
  /** BOXFLOW_SF_PARTNER_ID: 顾客编码 (partnerID) on the SF open platform. */
  partnerId: string;
  /** BOXFLOW_SF_CHECK_WORD: 校验码, the secret of msgDigest. */
  checkWord: string;
  /** BOXFLOW_SF_BASE_URL: the open platform's service URL (sandbox or production), without a trailing slash. */
  baseUrl: string;
  /** BOXFLOW_SF_MONTHLY_CARD: 月结卡号 (optional; without it the order is 寄付现结 per SF's account setup). */
  monthlyCard: string | undefined;
  /** BOXFLOW_SF_TIMEOUT_MS: one call's timeout; past it the call counts as "try again" (default 10000). */
  timeoutMs: number;
}

export interface Kuaidi100Settings {
  /** BOXFLOW_KUAIDI100_KEY: the account's authorisation key. */
  key: string;
  /** BOXFLOW_KUAIDI100_CUSTOMER: the customer id of the real-time query. */
  customer: string;
  /** The first salt of BOXFLOW_KUAIDI100_SALT: new subscriptions are made with it (pushes signed MD5 of param + salt). */
  salt: string;
  /** Every salt of BOXFLOW_KUAIDI100_SALT a push may be signed with (the first, then older ones still in use). */
  pushSalts: string[];
  /** BOXFLOW_KUAIDI100_CALLBACK_URL: where Kuaidi100 pushes (BoxFlow's public POST /api/webhooks/kuaidi100). */
  callbackUrl: string;
  /** BOXFLOW_KUAIDI100_BASE_URL: e.g. https://poll.kuaidi100.com (without a trailing slash). */
  baseUrl: string;
  /** BOXFLOW_KUAIDI100_TIMEOUT_MS: one call's timeout (default 10000). */
  timeoutMs: number;
}

export interface ProviderProblem {
  provider: ProviderName;
  variable: string;
  message: string;
}

export interface ProviderSettings {
  alipay?: AlipaySettings;
  sf?: SfSettings;
  kuaidi100?: Kuaidi100Settings;
  /** Every problem found, for every provider (a provider with a problem has no settings object). */
  problems: ProviderProblem[];
}

export const PROVIDER_VARIABLES: Record<ProviderName, Array<{ name: string; meaning: string }>> = {
  alipay: [
    { name: 'BOXFLOW_ALIPAY_APP_ID', meaning: 'the app id on the Alipay open platform' },
    { name: 'BOXFLOW_ALIPAY_PRIVATE_KEY_FILE', meaning: "a file holding the app's RSA2 private key (PEM, or the base64 the Alipay key tool writes)" },
    { name: 'BOXFLOW_ALIPAY_PUBLIC_KEY_FILE', meaning: "a file holding Alipay's public key (支付宝公钥, PEM or base64)" },
    { name: 'BOXFLOW_ALIPAY_GATEWAY', meaning: 'the gateway URL, e.g. https://openapi.alipay.com/gateway.do or the sandbox https://openapi-sandbox.dl.alipaydev.com/gateway.do' },
  ],
  sf: [
    { name: 'BOXFLOW_SF_PARTNER_ID', meaning: 'the partner id (顾客编码) on the SF open platform' },
    { name: 'BOXFLOW_SF_CHECK_WORD', meaning: 'the check word (校验码) that signs msgDigest' },
    { name: 'BOXFLOW_SF_BASE_URL', meaning: 'the SF open platform service URL (sandbox or production)' },
  ],
  kuaidi100: [
    { name: 'BOXFLOW_KUAIDI100_KEY', meaning: 'the Kuaidi100 authorisation key' },
    { name: 'BOXFLOW_KUAIDI100_CUSTOMER', meaning: 'the Kuaidi100 customer id' },
    { name: 'BOXFLOW_KUAIDI100_SALT', meaning: 'the salt Kuaidi100 signs its push callbacks with (several, space or comma separated, during a change: the first is used for new subscriptions)' },
    { name: 'BOXFLOW_KUAIDI100_CALLBACK_URL', meaning: "where Kuaidi100 pushes: BoxFlow's public URL of POST /api/webhooks/kuaidi100" },
    { name: 'BOXFLOW_KUAIDI100_BASE_URL', meaning: 'the Kuaidi100 API base URL, e.g. https://poll.kuaidi100.com' },
  ],
};

export type ReadFile = (file: string) => string;
const readUtf8: ReadFile = (file) => fs.readFileSync(file, 'utf8');

/** A private key as PEM or bare base64 (PKCS#8, else PKCS#1 DER), returned as a PKCS#8 PEM; throws a sentence. */
export function normalisePrivateKey(text: string): string {
  const key = parseKey(text, (o) => crypto.createPrivateKey(o as crypto.PrivateKeyInput), ['pkcs8', 'pkcs1']);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`is a ${key.asymmetricKeyType} key, RSA2 needs an RSA key`);
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A public key as PEM or bare base64 (SPKI, else PKCS#1 DER), returned as an SPKI PEM; throws a sentence. */
export function normalisePublicKey(text: string): string {
  if (/PRIVATE KEY/.test(text)) throw new Error('holds a private key; Alipay\'s public key belongs here');
  const key = parseKey(text, (o) => crypto.createPublicKey(o as crypto.PublicKeyInput), ['spki', 'pkcs1']);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`is a ${key.asymmetricKeyType} key, RSA2 needs an RSA key`);
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

function parseKey(text: string, make: (o: crypto.PrivateKeyInput | crypto.PublicKeyInput) => crypto.KeyObject, derTypes: Array<'pkcs8' | 'pkcs1' | 'spki'>): crypto.KeyObject {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('is empty');
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      return make({ key: trimmed, format: 'pem' });
    } catch {
      throw new Error('is PEM but not a readable key');
    }
  }
  const b64 = trimmed.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('is neither PEM nor base64');
  const der = Buffer.from(b64, 'base64');
  for (const type of derTypes) {
    try {
      return make({ key: der, format: 'der', type } as crypto.PrivateKeyInput);
    } catch {
      // try the next encoding
    }
  }
  throw new Error(`is base64 but not a ${derTypes.map((t) => t.toUpperCase()).join(' or ')} key`);
}

function httpUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** BOXFLOW_KUAIDI100_SALT as a list (space or comma separated); empty when unset. */
export function kuaidi100Salts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BOXFLOW_KUAIDI100_SALT ?? '').split(/[\s,]+/).filter(Boolean);
}

/** The SDK wants the gateway's full URL; a base URL (https://openapi.alipay.com) gets /gateway.do. */
export function alipayGatewayUrl(base: string): string {
  const u = new URL(base);
  if (!u.pathname.endsWith('/gateway.do')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/gateway.do`;
  return u.toString();
}

/**
 * Reads every provider's settings. A provider none of whose variables is set is simply absent
 * (no problem reported: sandbox mode and partial set-ups need that); one with some set and others
 * missing or wrong reports each of them. {@link liveProviderProblems} then says what `BOXFLOW_SANDBOX=0`
 * still lacks.
 */
export function loadProviderSettings(env: NodeJS.ProcessEnv = process.env, readFile: ReadFile = readUtf8): ProviderSettings {
  const problems: ProviderProblem[] = [];
  const out: ProviderSettings = { problems };
  const value = (v: string) => (env[v] ?? '').trim();
  const started = (p: ProviderName) => PROVIDER_VARIABLES[p].some((v) => value(v.name) !== '');
  const missing = (p: ProviderName): boolean => {
    let any = false;
    for (const v of PROVIDER_VARIABLES[p]) {
      if (value(v.name) === '') {
        problems.push({ provider: p, variable: v.name, message: `${v.name} is not set: ${v.meaning}` });
        any = true;
      }
    }
    return any;
  };
  const url = (p: ProviderName, name: string): string | undefined => {
    const u = httpUrl(value(name));
    if (!u) problems.push({ provider: p, variable: name, message: `${name} must be an http(s) URL, got "${value(name).slice(0, 80)}"` });
    return u;
  };

  if (started('alipay')) {
    const before = problems.length;
    missing('alipay');
    const appId = value('BOXFLOW_ALIPAY_APP_ID');
    if (appId && !/^\d{8,32}$/.test(appId)) problems.push({ provider: 'alipay', variable: 'BOXFLOW_ALIPAY_APP_ID', message: `BOXFLOW_ALIPAY_APP_ID must be the app id's digits, got "${appId.slice(0, 40)}"` });
    const keyFrom = (name: string, normalise: (t: string) => string): string | undefined => {
      const file = value(name);
      if (!file) return undefined;
      let text: string;
      try {
        text = readFile(file);
      } catch (err) {
        problems.push({ provider: 'alipay', variable: name, message: `${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
        return undefined;
      }
      try {
        return normalise(text);
      } catch (err) {
        problems.push({ provider: 'alipay', variable: name, message: `${name}: ${file} ${(err as Error).message}` });
        return undefined;
      }
    };
    const privateKey = keyFrom('BOXFLOW_ALIPAY_PRIVATE_KEY_FILE', normalisePrivateKey);
    const alipayPublicKey = keyFrom('BOXFLOW_ALIPAY_PUBLIC_KEY_FILE', normalisePublicKey);
    const gateway = value('BOXFLOW_ALIPAY_GATEWAY') ? url('alipay', 'BOXFLOW_ALIPAY_GATEWAY') : undefined;
    const rawTimeout = value('BOXFLOW_ALIPAY_TIMEOUT_MS');
    const timeoutMs = rawTimeout === '' ? 5000 : Number(rawTimeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
      problems.push({ provider: 'alipay', variable: 'BOXFLOW_ALIPAY_TIMEOUT_MS', message: `BOXFLOW_ALIPAY_TIMEOUT_MS must be whole milliseconds from 100 to 120000, got "${rawTimeout}"` });
    }
    if (problems.length === before && privateKey && alipayPublicKey && gateway) {
      out.alipay = {
        appId,
        privateKey,
        privateKeyFile: value('BOXFLOW_ALIPAY_PRIVATE_KEY_FILE'),
        alipayPublicKey,
        alipayPublicKeyFile: value('BOXFLOW_ALIPAY_PUBLIC_KEY_FILE'),
        gateway: alipayGatewayUrl(gateway),
        timeoutMs,
      };
    }
  }

  // One call's timeout of the carrier providers (a timeout is "try again": Temporal retries).
  const timeout = (p: ProviderName, name: string): number => {
    const raw = value(name);
    const n = raw === '' ? 10_000 : Number(raw);
    if (!Number.isInteger(n) || n < 100 || n > 120_000) problems.push({ provider: p, variable: name, message: `${name} must be whole milliseconds from 100 to 120000, got "${raw.slice(0, 40)}"` });
    return n;
  };
  // The carrier adapters append paths to their base URL: kept without a trailing slash.
  const baseUrl = (p: ProviderName, name: string): string | undefined => (value(name) ? url(p, name)?.replace(/\/+$/, '') : undefined);

  if (started('sf')) {
    const before = problems.length;
    missing('sf');
    const base = baseUrl('sf', 'BOXFLOW_SF_BASE_URL');
    const timeoutMs = timeout('sf', 'BOXFLOW_SF_TIMEOUT_MS');
    if (problems.length === before && base) {
      out.sf = { partnerId: value('BOXFLOW_SF_PARTNER_ID'), checkWord: value('BOXFLOW_SF_CHECK_WORD'), baseUrl: base, monthlyCard: value('BOXFLOW_SF_MONTHLY_CARD') || undefined, timeoutMs };
    }
  }

  if (started('kuaidi100')) {
    const before = problems.length;
    missing('kuaidi100');
    const base = baseUrl('kuaidi100', 'BOXFLOW_KUAIDI100_BASE_URL');
    const callbackUrl = value('BOXFLOW_KUAIDI100_CALLBACK_URL') ? url('kuaidi100', 'BOXFLOW_KUAIDI100_CALLBACK_URL') : undefined;
    const timeoutMs = timeout('kuaidi100', 'BOXFLOW_KUAIDI100_TIMEOUT_MS');
    const salts = kuaidi100Salts(env);
    if (problems.length === before && base && callbackUrl && salts.length) {
      out.kuaidi100 = { key: value('BOXFLOW_KUAIDI100_KEY'), customer: value('BOXFLOW_KUAIDI100_CUSTOMER'), salt: salts[0], pushSalts: salts, callbackUrl, baseUrl: base, timeoutMs };
    }
  }
  return out;
}

/** The providers a live (BOXFLOW_SANDBOX=0) worker needs: payments, carrier booking, tracking. */
export const LIVE_PROVIDERS: readonly ProviderName[] = PROVIDERS;

/**
 * What `BOXFLOW_SANDBOX=0` still lacks: every problem of the needed providers, and for a needed
 * provider with nothing set, one line per variable.
 */
export function liveProviderProblems(settings: ProviderSettings, needed: readonly ProviderName[] = LIVE_PROVIDERS): ProviderProblem[] {
  const out: ProviderProblem[] = [];
  for (const p of needed) {
    if (settings[p]) continue;
    const own = settings.problems.filter((x) => x.provider === p);
    if (own.length) out.push(...own);
    else for (const v of PROVIDER_VARIABLES[p]) out.push({ provider: p, variable: v.name, message: `${v.name} is not set: ${v.meaning}` });
  }
  return out;
}

export class ProviderSettingsError extends Error {
  override name = 'ProviderSettingsError';
  constructor(readonly problems: ProviderProblem[]) {
    super(`BOXFLOW_SANDBOX=0 needs the real providers configured; ${problems.length} problem(s):\n${problems.map((p) => `  - [${p.provider}] ${p.message}`).join('\n')}\n(or run with BOXFLOW_SANDBOX=1, the sandbox providers)`);
  }
}

/** Throws {@link ProviderSettingsError} listing everything missing; returns the settings when all needed providers are configured. */
export function requireLiveProviders(settings: ProviderSettings, needed: readonly ProviderName[] = LIVE_PROVIDERS): ProviderSettings {
  const problems = liveProviderProblems(settings, needed);
  if (problems.length) throw new ProviderSettingsError(problems);
  return settings;
}
