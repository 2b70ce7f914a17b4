/**
 * The domain rules are imported by Temporal workflow code (deterministic sandbox): guard against
 * Node imports, package imports, the wall clock, randomness and the machine time zone.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

const FILES = ['packaging', 'parcels', 'carriers', 'customs', 'sla', 'scheduling', 'labels', 'kuaidi100'];

/** Source without comments, so documentation may mention what the code must not do. */
function code(name: string): string {
  return readFileSync(join(__dirname, '../../../domain', `${name}.ts`), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/.*$/gm, '');
}

describe.each(FILES)('domain/%s.ts is workflow-safe', (name) => {
  const src = code(name);

  it('imports only sibling domain modules', () => {
    const specs = [...src.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const s of specs) expect(s).toMatch(/^\.\/[a-z]+$/);
    expect(src).not.toMatch(/\brequire\s*\(/);
  });

  it.each([
    ['Date.now', /Date\.now/],
    ['new Date', /new\s+Date\b/],
    ['Math.random', /Math\.random/],
    ['process', /\bprocess\./],
    ['local-time Date getters', /\.get(?:Hours|Minutes|Date|Day|Month|FullYear|TimezoneOffset)\(/],
    ['Intl / toLocale*', /\bIntl\b|toLocale/],
    ['timers', /\bset(?:Timeout|Interval|Immediate)\s*\(/],
  ])('does not use %s', (_what, re) => {
    expect(src).not.toMatch(re);
  });
});
