/**
 * Issue 11 item 9: `npm start` while port 7233 is taken (a developer's own Temporal dev server).
 * Before: BoxFlow's dev server failed with "address already in use", yet the start went on and
 * the worker and web app attached to the foreign server. Now the ports are checked first and
 * npm start stops with exit code 1, naming TEMPORAL_PORT and TEMPORAL_ADDRESS, before writing
 * anything. The compiled start script (dist/, as npm start runs it); the foreign server is the test
 * run's own Temporal dev server, so that the old behaviour (attaching to it) would really happen.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assertDevServerPortsFree, freePort, PortInUseError, startDevServer } from '../../scripts/dev-server';
import { testEnv } from '../support/harness';

const START = path.resolve(__dirname, '..', '..', 'dist', 'scripts', 'start.js');

/** Holds a port the way another server would. */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

function runStart(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [START], { env: { ...process.env, TEMPORAL_ADDRESS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const seen = (c: Buffer) => {
    out += c;
    // The old behaviour: it came up on the foreign server. Stop it the way Ctrl-C does (it stops its children).
    if (out.includes('BoxFlow is running')) child.kill('SIGINT');
  };
  child.stdout.on('data', seen);
  child.stderr.on('data', seen);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, out }))));
}

let dataDir: string;
beforeAll(() => {
  if (!fs.existsSync(START)) throw new Error(`${START} is missing: run npm test (it compiles first) or npm run build`);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-start-ports-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test('npm start with a Temporal server already on TEMPORAL_PORT stops with exit code 1, names TEMPORAL_PORT and TEMPORAL_ADDRESS, and starts nothing', async () => {
  const port = Number(testEnv().address.split(':').pop());
  const { code, out } = await runStart({ TEMPORAL_PORT: String(port), TEMPORAL_UI_PORT: String(await freePort()), PORT: String(await freePort()), BOXFLOW_DATA_DIR: dataDir });
  expect(out).not.toMatch(/BoxFlow is running|starting the Temporal dev server/);
  expect(code).toBe(1);
  expect(out).toContain(`port ${port} is already in use (TEMPORAL_PORT=${port})`);
  expect(out).toContain(`TEMPORAL_ADDRESS=127.0.0.1:${port}`);
  // Stopped before preparing anything: no database, no Temporal state in the data directory.
  expect(fs.readdirSync(dataDir)).toEqual([]);
}, 90_000);

test('the UI port and the web port are checked too, each naming its own setting', async () => {
  const taken = await occupy();
  try {
    const ui = await runStart({ TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(taken.port), PORT: String(await freePort()), BOXFLOW_DATA_DIR: dataDir });
    expect(ui.code).toBe(1);
    expect(ui.out).toContain(`(TEMPORAL_UI_PORT=${taken.port})`);
    const web = await runStart({ TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()), PORT: String(taken.port), BOXFLOW_DATA_DIR: dataDir });
    expect(web.code).toBe(1);
    expect(web.out).toContain(`(PORT=${taken.port}). Set PORT to a free port`);
  } finally {
    await taken.close();
  }
}, 90_000);

test('startDevServer refuses a taken port instead of answering with the server already there', async () => {
  const taken = await occupy();
  try {
    await expect(assertDevServerPortsFree(taken.port, undefined)).rejects.toBeInstanceOf(PortInUseError);
    await expect(startDevServer({ dbFile: path.join(dataDir, 'never.sqlite'), port: taken.port, headless: true })).rejects.toThrow(/TEMPORAL_PORT=\d+\).*TEMPORAL_ADDRESS=127\.0\.0\.1:\d+/);
  } finally {
    await taken.close();
  }
});
