import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/settings';

/** BOXFLOW_API_KEY, or a key generated once into the data directory (npm start prints it). */
export function resolveApiKey(settings: Pick<Settings, 'apiKey' | 'dataDir'>): string {
  if (settings.apiKey) return settings.apiKey;
  const file = path.join(settings.dataDir, 'api-key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(settings.dataDir, { recursive: true });
    const key = `bf_${crypto.randomBytes(24).toString('base64url')}`;
    try {
      fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      return fs.readFileSync(file, 'utf8').trim(); // another process wrote it first
    }
  }
}
