/**
 * How the client and the worker connect to an existing cluster (Temporal Cloud, mTLS, plain), from
 * the settings alone. Both web/server.ts and worker/create-worker.ts build their options here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeTlsConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadSettings } from '../../config/settings';
import { temporalConnectionOptions } from '../../worker/temporal-connection';

const ADDRESS = 'boxflow.a1b2c.tmprl.cloud:7233';
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-tls-'));
  fs.writeFileSync(path.join(dir, 'client.pem'), '-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n');
  fs.writeFileSync(path.join(dir, 'client.key'), '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const temporal = (env: Record<string, string>) => loadSettings({ TEMPORAL_ADDRESS: ADDRESS, ...env }).temporal;

test('neither API key nor certificate: plaintext, no key', () => {
  const o = temporalConnectionOptions(temporal({}), 'localhost:7233');
  expect(o).toEqual({ address: 'localhost:7233' });
  expect(normalizeTlsConfig(o.tls, o.apiKey)).toBeUndefined();
});

test('TEMPORAL_API_KEY: TLS on and the key sent', () => {
  const o = temporalConnectionOptions(temporal({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_NAMESPACE: 'boxflow.a1b2c' }), ADDRESS);
  expect(o).toEqual({ address: ADDRESS, tls: true, apiKey: 'secret-key' });
  expect(normalizeTlsConfig(o.tls, o.apiKey)).toEqual({});
});

test('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: mTLS with the files as the client certificate pair', () => {
  const o = temporalConnectionOptions(
    temporal({ TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'client.key') }),
    ADDRESS,
  );
  expect(o.apiKey).toBeUndefined();
  expect(typeof o.tls).toBe('object');
  const pair = (o.tls as { clientCertPair: { crt: Buffer; key: Buffer } }).clientCertPair;
  expect(pair.crt.toString()).toContain('CERT');
  expect(pair.key.toString()).toContain('PRIVATE KEY');
});

test('certificate and API key together: mTLS and the key', () => {
  const o = temporalConnectionOptions(
    temporal({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'client.key') }),
    ADDRESS,
  );
  expect(o.apiKey).toBe('k');
  expect(o.tls).toHaveProperty('clientCertPair');
});

test('only one of certificate and key, or an unreadable file, is refused', () => {
  expect(() => temporalConnectionOptions(temporal({ TEMPORAL_TLS_CERT: path.join(dir, 'client.pem') }), ADDRESS)).toThrow(/set together/);
  expect(() => temporalConnectionOptions(temporal({ TEMPORAL_TLS_KEY: path.join(dir, 'client.key') }), ADDRESS)).toThrow(/set together/);
  expect(() =>
    temporalConnectionOptions(temporal({ TEMPORAL_TLS_CERT: path.join(dir, 'missing.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'client.key') }), ADDRESS),
  ).toThrow(/TEMPORAL_TLS_CERT: cannot read/);
});

test('the web client and the worker both build their connection with these options', () => {
  const root = path.resolve(__dirname, '..', '..');
  const web = fs.readFileSync(path.join(root, 'web', 'server.ts'), 'utf8');
  const worker = fs.readFileSync(path.join(root, 'worker', 'create-worker.ts'), 'utf8');
  expect(web).toMatch(/Connection\.connect\(temporalConnectionOptions\(settings\.temporal/);
  expect(worker).toMatch(/NativeConnection\.connect\(temporalConnectionOptions\(settings\.temporal/);
});
