import fs from 'node:fs';
import type { Settings } from '../config/settings';

/**
 * Connection options for an existing cluster: plain, mTLS (TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY)
 * or Temporal Cloud with an API key (TEMPORAL_API_KEY). Shared by the client and the worker.
 */
export function temporalConnectionOptions(t: Settings['temporal'], address: string) {
  const tls = t.tlsCertPath && t.tlsKeyPath
    ? { clientCertPair: { crt: fs.readFileSync(t.tlsCertPath), key: fs.readFileSync(t.tlsKeyPath) } }
    : t.apiKey
      ? true
      : undefined;
  return { address, tls, apiKey: t.apiKey, metadata: undefined };
}
