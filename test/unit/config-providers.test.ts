/**
 * config/providers.ts: the real providers' settings from the environment, every problem named by
 * its variable, and what BOXFLOW_SANDBOX=0 still lacks.
 */
import crypto from 'node:crypto';
import { alipayGatewayUrl, liveProviderProblems, loadProviderSettings, normalisePrivateKey, normalisePublicKey, ProviderSettingsError, requireLiveProviders } from '../../config/providers';

const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const files: Record<string, string> = {
  '/keys/app.pem': pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  '/keys/app-pkcs1.pem': pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  // What Alipay's key tool writes: bare base64 (PKCS#8 for Java, PKCS#1 for others).
  '/keys/app.txt': pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  '/keys/alipay.txt': pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  '/keys/alipay.pem': pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  '/keys/garbage': 'not a key at all',
  '/keys/ec.pem': crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const readFile = (f: string) => {
  if (!(f in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return files[f];
};

const ALIPAY = { BOXFLOW_ALIPAY_APP_ID: '2021000000000001', BOXFLOW_ALIPAY_PRIVATE_KEY_FILE: '/keys/app.txt', BOXFLOW_ALIPAY_PUBLIC_KEY_FILE: '/keys/alipay.txt', BOXFLOW_ALIPAY_GATEWAY: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do' };
const SF = { BOXFLOW_SF_PARTNER_ID: 'BOXFLOW', BOXFLOW_SF_CHECK_WORD: 'cw', BOXFLOW_SF_BASE_URL: 'https://sfapi-sbox.sf-express.com/std/service' };
const KD = { BOXFLOW_KUAIDI100_KEY: 'k', BOXFLOW_KUAIDI100_CUSTOMER: 'c', BOXFLOW_KUAIDI100_SALT: 's', BOXFLOW_KUAIDI100_CALLBACK_URL: 'https://shop.example/api/webhooks/kuaidi100', BOXFLOW_KUAIDI100_BASE_URL: 'https://poll.kuaidi100.com' };

test('nothing set: no provider, no problem; BOXFLOW_SANDBOX=0 lacks every variable, one line each', () => {
  const s = loadProviderSettings({}, readFile);
  expect(s).toEqual({ problems: [] });
  const missing = liveProviderProblems(s);
  expect(missing.map((p) => p.variable)).toEqual([
    'BOXFLOW_ALIPAY_APP_ID', 'BOXFLOW_ALIPAY_PRIVATE_KEY_FILE', 'BOXFLOW_ALIPAY_PUBLIC_KEY_FILE', 'BOXFLOW_ALIPAY_GATEWAY',
    'BOXFLOW_SF_PARTNER_ID', 'BOXFLOW_SF_CHECK_WORD', 'BOXFLOW_SF_BASE_URL',
    'BOXFLOW_KUAIDI100_KEY', 'BOXFLOW_KUAIDI100_CUSTOMER', 'BOXFLOW_KUAIDI100_SALT', 'BOXFLOW_KUAIDI100_CALLBACK_URL', 'BOXFLOW_KUAIDI100_BASE_URL',
  ]);
  for (const p of missing) expect(p.message).toMatch(new RegExp(`^${p.variable} is not set: .{10,}`));
  expect(() => requireLiveProviders(s)).toThrow(ProviderSettingsError);
  expect(() => requireLiveProviders(s)).toThrow(/12 problem\(s\)[\s\S]*BOXFLOW_KUAIDI100_SALT is not set/);
});

test('all three configured: the settings, keys as PEM, the gateway URL; nothing missing', () => {
  const s = loadProviderSettings({ ...ALIPAY, ...SF, ...KD }, readFile);
  expect(s.problems).toEqual([]);
  expect(s.alipay).toMatchObject({ appId: '2021000000000001', gateway: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do', timeoutMs: 5000, privateKeyFile: '/keys/app.txt' });
  expect(s.alipay!.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  expect(s.alipay!.alipayPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  expect(s.sf).toEqual({ partnerId: 'BOXFLOW', checkWord: 'cw', baseUrl: 'https://sfapi-sbox.sf-express.com/std/service', monthlyCard: undefined, timeoutMs: 10_000 });
  expect(s.kuaidi100).toEqual({ key: 'k', customer: 'c', salt: 's', pushSalts: ['s'], callbackUrl: 'https://shop.example/api/webhooks/kuaidi100', baseUrl: 'https://poll.kuaidi100.com', timeoutMs: 10_000 });
  expect(liveProviderProblems(s)).toEqual([]);
  expect(requireLiveProviders(s)).toBe(s);
});

test('half an Alipay set-up: exactly the missing and the wrong values, nothing for the providers not needed', () => {
  const s = loadProviderSettings({ BOXFLOW_ALIPAY_APP_ID: 'app-1', BOXFLOW_ALIPAY_PRIVATE_KEY_FILE: '/keys/missing.pem', BOXFLOW_ALIPAY_PUBLIC_KEY_FILE: '/keys/garbage', BOXFLOW_ALIPAY_TIMEOUT_MS: '0' }, readFile);
  expect(s.alipay).toBeUndefined();
  expect(s.problems.map((p) => [p.variable, p.message])).toEqual([
    ['BOXFLOW_ALIPAY_GATEWAY', expect.stringMatching(/is not set/)],
    ['BOXFLOW_ALIPAY_APP_ID', expect.stringMatching(/digits, got "app-1"/)],
    ['BOXFLOW_ALIPAY_PRIVATE_KEY_FILE', expect.stringMatching(/cannot read \/keys\/missing\.pem \(ENOENT\)/)],
    ['BOXFLOW_ALIPAY_PUBLIC_KEY_FILE', expect.stringMatching(/\/keys\/garbage is base64 but not a SPKI or PKCS1 key/)],
    ['BOXFLOW_ALIPAY_TIMEOUT_MS', expect.stringMatching(/from 100 to 120000/)],
  ]);
  expect(liveProviderProblems(s, ['alipay'])).toHaveLength(5);
});

test('wrong keys are named: an EC key, a private key where Alipay\'s public key belongs, a bad URL', () => {
  const s = loadProviderSettings({ ...ALIPAY, BOXFLOW_ALIPAY_PRIVATE_KEY_FILE: '/keys/ec.pem', BOXFLOW_ALIPAY_PUBLIC_KEY_FILE: '/keys/app.pem', BOXFLOW_ALIPAY_GATEWAY: 'ftp://x' }, readFile);
  expect(s.problems.map((p) => p.message)).toEqual([
    expect.stringMatching(/ec\.pem is a ec key, RSA2 needs an RSA key/),
    expect.stringMatching(/app\.pem holds a private key/),
    expect.stringMatching(/BOXFLOW_ALIPAY_GATEWAY must be an http\(s\) URL/),
  ]);
});

test('key formats: PEM PKCS#8 and PKCS#1, base64 DER; all the same key', () => {
  const a = normalisePrivateKey(files['/keys/app.pem']);
  expect(normalisePrivateKey(files['/keys/app-pkcs1.pem'])).toBe(a);
  expect(normalisePrivateKey(files['/keys/app.txt'])).toBe(a);
  expect(normalisePublicKey(files['/keys/alipay.txt'])).toBe(normalisePublicKey(files['/keys/alipay.pem']));
});

test('gateway: a base URL gets /gateway.do, a full one stays', () => {
  expect(alipayGatewayUrl('https://openapi.alipay.com')).toBe('https://openapi.alipay.com/gateway.do');
  expect(alipayGatewayUrl('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000/gateway.do');
  expect(alipayGatewayUrl('https://openapi.alipay.com/gateway.do')).toBe('https://openapi.alipay.com/gateway.do');
});

test('a worker with BOXFLOW_SANDBOX=0 and nothing configured refuses before it connects, listing every value', async () => {
  const { createFulfillmentWorker } = await import('../../worker/create-worker');
  const { loadSettings } = await import('../../config/settings');
  const saved = Object.keys(process.env).filter((k) => /^BOXFLOW_(ALIPAY|SF|KUAIDI100)_/.test(k));
  expect(saved).toEqual([]); // the test's own environment sets none
  const settings = loadSettings({ BOXFLOW_SANDBOX: '0', TEMPORAL_ADDRESS: '127.0.0.1:1' });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const started = createFulfillmentWorker({ settings, db: undefined as any, address: '127.0.0.1:1' });
  await expect(started).rejects.toThrow(ProviderSettingsError);
  await expect(started).rejects.toThrow(/12 problem\(s\)[\s\S]*BOXFLOW_ALIPAY_APP_ID is not set[\s\S]*BOXFLOW_SF_BASE_URL is not set[\s\S]*BOXFLOW_KUAIDI100_KEY is not set/);
});

test('SF and Kuaidi100: optional values, the salt list for a change, base URLs without a trailing slash', () => {
  const s = loadProviderSettings({ ...SF, ...KD, BOXFLOW_SF_BASE_URL: 'http://127.0.0.1:9000/std/service/', BOXFLOW_SF_MONTHLY_CARD: '7551234567', BOXFLOW_SF_TIMEOUT_MS: '2500', BOXFLOW_KUAIDI100_SALT: 'new-salt, old-salt', BOXFLOW_KUAIDI100_TIMEOUT_MS: '3000' }, readFile);
  expect(s.problems).toEqual([]);
  expect(s.sf).toEqual({ partnerId: 'BOXFLOW', checkWord: 'cw', baseUrl: 'http://127.0.0.1:9000/std/service', monthlyCard: '7551234567', timeoutMs: 2500 });
  expect(s.kuaidi100).toMatchObject({ salt: 'new-salt', pushSalts: ['new-salt', 'old-salt'], timeoutMs: 3000 });
});

test('half an SF and a Kuaidi100 set-up: each missing or wrong value named, nothing configured', () => {
  const s = loadProviderSettings({ BOXFLOW_SF_PARTNER_ID: 'P1', BOXFLOW_SF_CHECK_WORD: ' ', BOXFLOW_SF_BASE_URL: 'ftp://x', BOXFLOW_SF_TIMEOUT_MS: '5', ...KD, BOXFLOW_KUAIDI100_CALLBACK_URL: 'not a url', BOXFLOW_KUAIDI100_TIMEOUT_MS: 'soon' }, readFile);
  expect(s.sf).toBeUndefined();
  expect(s.kuaidi100).toBeUndefined();
  expect(s.problems.map((p) => [p.provider, p.variable])).toEqual([
    ['sf', 'BOXFLOW_SF_CHECK_WORD'], ['sf', 'BOXFLOW_SF_BASE_URL'], ['sf', 'BOXFLOW_SF_TIMEOUT_MS'],
    ['kuaidi100', 'BOXFLOW_KUAIDI100_CALLBACK_URL'], ['kuaidi100', 'BOXFLOW_KUAIDI100_TIMEOUT_MS'],
  ]);
  expect(s.problems.find((p) => p.variable === 'BOXFLOW_SF_BASE_URL')!.message).toMatch(/must be an http\(s\) URL, got "ftp:\/\/x"/);
  expect(liveProviderProblems(s, ['sf', 'kuaidi100'])).toHaveLength(5);
});

test('a worker with BOXFLOW_SANDBOX=0 and the carriers half-configured refuses, naming exactly what is missing', async () => {
  const { createFulfillmentWorker } = await import('../../worker/create-worker');
  const { loadSettings } = await import('../../config/settings');
  const settings = loadSettings({ BOXFLOW_SANDBOX: '0', TEMPORAL_ADDRESS: '127.0.0.1:1' });
  const providers = loadProviderSettings({ ...ALIPAY, BOXFLOW_SF_PARTNER_ID: 'P1', BOXFLOW_KUAIDI100_KEY: 'k' }, readFile);
  expect(providers.alipay).toBeDefined();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const started = createFulfillmentWorker({ settings, db: undefined as any, address: '127.0.0.1:1', providers });
  await expect(started).rejects.toThrow(ProviderSettingsError);
  const err = (await started.catch((e: ProviderSettingsError) => e)) as ProviderSettingsError;
  expect(err.problems.map((p) => p.variable)).toEqual([
    'BOXFLOW_SF_CHECK_WORD', 'BOXFLOW_SF_BASE_URL',
    'BOXFLOW_KUAIDI100_CUSTOMER', 'BOXFLOW_KUAIDI100_SALT', 'BOXFLOW_KUAIDI100_CALLBACK_URL', 'BOXFLOW_KUAIDI100_BASE_URL',
  ]);
});
