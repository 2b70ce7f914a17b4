import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Settings } from '../config/settings';

/** What both `Connection.connect` (client, web) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  /** undefined: plaintext (a local dev server or a cluster inside a private network). */
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/**
 * Connection options for an existing cluster, shared by the client (web/server.ts) and the worker
 * (worker/create-worker.ts) so that both always connect the same way:
 * - TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (file paths): mTLS with that client certificate;
 * - TEMPORAL_API_KEY: TLS on and the key sent as a bearer token (Temporal Cloud API keys);
 * - both: mTLS and the key;
 * - neither: plaintext.
 * Only one of the cert and key set is a configuration mistake: refuse it rather than silently
 * connecting without a client certificate.
 */
export function temporalConnectionOptions(t: Settings['temporal'], address: string): TemporalConnectionOptions {
  if (Boolean(t.tlsCertPath) !== Boolean(t.tlsKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS needs the certificate and its key)');
  }
  const options: TemporalConnectionOptions = { address };
  if (t.tlsCertPath && t.tlsKeyPath) {
    options.tls = { clientCertPair: { crt: readFile('TEMPORAL_TLS_CERT', t.tlsCertPath), key: readFile('TEMPORAL_TLS_KEY', t.tlsKeyPath) } };
  } else if (t.apiKey) {
    options.tls = true;
  }
  if (t.apiKey) options.apiKey = t.apiKey;
  return options;
}

function readFile(setting: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${setting}: cannot read ${file}: ${(err as Error).message}`);
  }
}
