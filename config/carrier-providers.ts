/**
 * Settings of the live carrier providers (issue 16), from the environment only:
 *
 *   SF Express (丰桥 open platform, booking):
 *     BOXFLOW_SF_PARTNER_ID    顾客编码 (partnerID)
 *     BOXFLOW_SF_CHECK_WORD    校验码 (checkWord), signs every request (msgDigest)
 *     BOXFLOW_SF_BASE_URL      default https://bspgw.sf-express.com/std/service (production);
 *                              SF's sandbox is https://sfapi-sbox.sf-express.com/std/service
 *     BOXFLOW_SF_MONTHLY_CARD  月结卡号 (optional; without it the order is 寄付现结 per SF's account setup)
 *     BOXFLOW_SF_TIMEOUT_MS    how long one call may take before it counts as "try again" (default 10000)
 *
 *   Kuaidi100 (tracking):
 *     BOXFLOW_KUAIDI100_KEY           授权 key (subscription and real-time query)
 *     BOXFLOW_KUAIDI100_CUSTOMER      customer (real-time query)
 *     BOXFLOW_KUAIDI100_SALT          salt of the push callbacks' sign; several (space or comma separated)
 *                                     during a change: new subscriptions use the first, pushes signed
 *                                     with any are accepted (waybills subscribed earlier keep the old one)
 *     BOXFLOW_KUAIDI100_CALLBACK_URL  where Kuaidi100 pushes (BoxFlow's POST /api/webhooks/kuaidi100, public URL)
 *     BOXFLOW_KUAIDI100_BASE_URL      default https://poll.kuaidi100.com
 *     BOXFLOW_KUAIDI100_TIMEOUT_MS    default 10000
 *
 * A provider is "configured" when any of its required values is set; then every required value must
 * be (a half-configured provider is an error, listed by name). config/providers.ts (payments) is
 * written beside this one; the two are to be merged.
 */
export interface SfSettings {
  partnerId: string;
  checkWord: string;
  baseUrl: string;
  monthlyCard: string | undefined;
  timeoutMs: number;
}

export interface Kuaidi100Settings {
  key: string;
  customer: string;
  /** The salt new subscriptions are made with (the first listed). */
  salt: string;
  /** Every salt a push may be signed with (the first, then older ones still in use). */
  pushSalts: string[];
  callbackUrl: string;
  baseUrl: string;
  timeoutMs: number;
}

export interface CarrierProviders {
  sf?: SfSettings;
  kuaidi100?: Kuaidi100Settings;
}

export const SF_REQUIRED = ['BOXFLOW_SF_PARTNER_ID', 'BOXFLOW_SF_CHECK_WORD'] as const;
export const KUAIDI100_REQUIRED = ['BOXFLOW_KUAIDI100_KEY', 'BOXFLOW_KUAIDI100_CUSTOMER', 'BOXFLOW_KUAIDI100_SALT', 'BOXFLOW_KUAIDI100_CALLBACK_URL'] as const;

export const SF_DEFAULT_BASE_URL = 'https://bspgw.sf-express.com/std/service';
export const KUAIDI100_DEFAULT_BASE_URL = 'https://poll.kuaidi100.com';

const value = (env: NodeJS.ProcessEnv, name: string) => {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

function httpUrl(name: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function timeout(env: NodeJS.ProcessEnv, name: string): number {
  const raw = value(env, name);
  if (!raw) return 10_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 100 || n > 120_000) throw new Error(`${name} must be a whole number of milliseconds from 100 to 120000, got "${raw}"`);
  return n;
}

/** BOXFLOW_KUAIDI100_SALT as a list (space or comma separated); empty when unset. */
export function kuaidi100Salts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BOXFLOW_KUAIDI100_SALT ?? '').split(/[\s,]+/).filter(Boolean);
}

/**
 * The values a provider still lacks. `require` lists providers that must be configured whatever
 * the environment says (BOXFLOW_SANDBOX=0 needs SF and Kuaidi100: there is no other live carrier or
 * tracker); any other provider is checked only once one of its values is set.
 */
export function missingCarrierProviderSettings(env: NodeJS.ProcessEnv = process.env, require: Array<'sf' | 'kuaidi100'> = []): string[] {
  const missing: string[] = [];
  for (const [p, names] of [['sf', SF_REQUIRED], ['kuaidi100', KUAIDI100_REQUIRED]] as const) {
    const set = names.filter((n) => value(env, n));
    if (set.length === 0 && !require.includes(p)) continue;
    for (const n of names) if (!value(env, n)) missing.push(n);
  }
  return missing;
}

/** The configured providers (none in a bare environment). Throws on a half-configured provider or a malformed value. */
export function loadCarrierProviders(env: NodeJS.ProcessEnv = process.env): CarrierProviders {
  const missing = missingCarrierProviderSettings(env);
  if (missing.length) throw new Error(`carrier providers half-configured; missing: ${missing.join(', ')}`);
  const out: CarrierProviders = {};
  if (value(env, 'BOXFLOW_SF_PARTNER_ID')) {
    out.sf = {
      partnerId: value(env, 'BOXFLOW_SF_PARTNER_ID')!,
      checkWord: value(env, 'BOXFLOW_SF_CHECK_WORD')!,
      baseUrl: httpUrl('BOXFLOW_SF_BASE_URL', value(env, 'BOXFLOW_SF_BASE_URL') ?? SF_DEFAULT_BASE_URL),
      monthlyCard: value(env, 'BOXFLOW_SF_MONTHLY_CARD'),
      timeoutMs: timeout(env, 'BOXFLOW_SF_TIMEOUT_MS'),
    };
  }
  if (value(env, 'BOXFLOW_KUAIDI100_KEY')) {
    out.kuaidi100 = {
      key: value(env, 'BOXFLOW_KUAIDI100_KEY')!,
      customer: value(env, 'BOXFLOW_KUAIDI100_CUSTOMER')!,
      salt: kuaidi100Salts(env)[0],
      pushSalts: kuaidi100Salts(env),
      callbackUrl: httpUrl('BOXFLOW_KUAIDI100_CALLBACK_URL', value(env, 'BOXFLOW_KUAIDI100_CALLBACK_URL')!),
      baseUrl: httpUrl('BOXFLOW_KUAIDI100_BASE_URL', value(env, 'BOXFLOW_KUAIDI100_BASE_URL') ?? KUAIDI100_DEFAULT_BASE_URL),
      timeoutMs: timeout(env, 'BOXFLOW_KUAIDI100_TIMEOUT_MS'),
    };
  }
  return out;
}

/**
 * BOXFLOW_SANDBOX=0: the live providers, or an error naming every missing value (the worker refuses
 * to start with it). SF is the only live carrier and Kuaidi100 the only live tracker, so both are required.
 */
export function requireLiveCarrierProviders(env: NodeJS.ProcessEnv = process.env): Required<CarrierProviders> {
  const missing = missingCarrierProviderSettings(env, ['sf', 'kuaidi100']);
  if (missing.length) throw new Error(`BOXFLOW_SANDBOX=0 needs the live carrier providers; missing: ${missing.join(', ')}`);
  return loadCarrierProviders(env) as Required<CarrierProviders>;
}
