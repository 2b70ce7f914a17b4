import fs from 'node:fs';
import path from 'node:path';
import { serverTools, temporalVersion } from '../../scripts/cluster';

describe('npm run cluster builds the Temporal version compose runs', () => {
  test('one TEMPORAL_VERSION default in deploy/compose.yaml, and the tools directory is named by it', () => {
    const compose = fs.readFileSync(path.resolve(__dirname, '..', '..', 'deploy', 'compose.yaml'), 'utf8');
    const defaults = [...compose.matchAll(/TEMPORAL_VERSION:-([^}]+)\}/g)].map((m) => m[1]);
    expect(defaults.length).toBeGreaterThanOrEqual(3); // temporal-schema, temporal, temporal-register
    const version = temporalVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(new Set(defaults)).toEqual(new Set([version]));
    expect(path.basename(serverTools().dir)).toBe(`temporal-server-${version}`);
  });
});
