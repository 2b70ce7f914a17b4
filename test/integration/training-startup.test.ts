/**
 * Training content is validated at start-up (P4.3): the compiled web app and `npm start` refuse to
 * start on a broken module file and list every problem as "<file>: <field>: <message>".
 * Needs the compiled output (npm test compiles first); skipped with a message without it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { findProjectRoot } from '../../training/content';
import { testEnv } from '../support/harness';

const root = findProjectRoot(__dirname);
const entries = ['dist/web/server.js', 'dist/scripts/start.js'].map((p) => path.join(root, p));
const compiled = entries.every((p) => fs.existsSync(p));

function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', () => {});
    // Should the validation ever let it through, do not leave a server running.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

(compiled ? describe : describe.skip)('a broken training file stops start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(testEnv().runDir, `broken-training-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    const src = path.join(root, 'training', 'modules');
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const file = path.join(dir, 'order-confirmation.yaml');
    const doc = parse(fs.readFileSync(file, 'utf8'));
    delete doc.items[2].text.en;
    doc.quiz.passMark = 1.5;
    fs.writeFileSync(file, stringify(doc));
  });

  it.each(entries.map((e) => [path.relative(root, e), e]))('%s exits 1 listing the file and field of each problem', async (_name, entry) => {
    const { code, stderr } = await run(entry, { BOXFLOW_TRAINING_DIR: dir, BOXFLOW_DATA_DIR: path.join(dir, 'data'), TEMPORAL_ADDRESS: '127.0.0.1:1', PORT: '1' });
    expect(code).toBe(1);
    expect(stderr).toContain('has 2 problems');
    expect(stderr).toContain('order-confirmation.yaml: items[2].text.en: required');
    expect(stderr).toContain('order-confirmation.yaml: quiz.passMark: must be a fraction in (0, 1], got 1.5');
  });
});

if (!compiled) {
  it('start-up validation test skipped: no compiled output (run npm test or npm run build)', () => {
    console.warn('training-startup.test.ts: dist/ is missing; skipped');
  });
}
