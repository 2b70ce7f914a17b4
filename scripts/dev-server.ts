/**
 * Runs the Temporal CLI's dev server persisted to a SQLite file, with BoxFlow's search attributes
 * registered, and waits until its namespace answers.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { findTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  dbFile: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  logFile?: string;
  /** More `--sqlite-pragma NAME=VALUE` for the server's own SQLite, replacing a default of the same name (the bench measures them; see docs/performance.md). */
  sqlitePragmas?: string[];
}

/**
 * The dev server's SQLite pragmas (`npm start`, tests, bench, chaos). WAL as in the SDK's own CI:
 * readers do not block the writer. `synchronous=NORMAL` in WAL mode (issue 15, measured in
 * docs/performance.md "Tuning, measured": ~2× the baseline's throughput): a commit is durable once it
 * is in the WAL file, so killing any process loses nothing; only an OS crash or power cut can lose
 * the last commits before a checkpoint, and never corrupts the database (unlike `synchronous=OFF`).
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=WAL', 'synchronous=NORMAL'];

/** The defaults with `extra` on top: one `NAME=VALUE` per name, the later one winning. */
export function devServerPragmas(extra: readonly string[] = []): string[] {
  const byName = new Map<string, string>();
  for (const p of [...DEV_SERVER_SQLITE_PRAGMAS, ...extra]) byName.set(p.split('=')[0].trim().toLowerCase(), p);
  return [...byName.values()];
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A port BoxFlow was told to use is taken: the message names the setting that moves it. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly setting: string,
    hint: string,
  ) {
    super(`port ${port} is already in use (${setting}=${port}). ${hint}`);
  }
}

/** Whether something listens on 127.0.0.1:port (or on every address, which includes it). */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(true) : reject(err)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/**
 * The dev server's ports must be free before it starts: a Temporal server already running there
 * (a developer's own `temporal server start-dev` on 7233) would answer in its place, and the worker
 * and web app would attach to it while BoxFlow's server exits with "address already in use".
 */
export async function assertDevServerPortsFree(port: number, uiPort: number | undefined): Promise<void> {
  if (await portInUse(port)) {
    throw new PortInUseError(
      port,
      'TEMPORAL_PORT',
      `Another Temporal server (or another program) listens there. Set TEMPORAL_PORT to a free port for BoxFlow's own dev server, ` +
        `or set TEMPORAL_ADDRESS=127.0.0.1:${port} to use the server that is running there (then no dev server is started; ` +
        `its namespace needs BoxFlow's search attributes, see README).`,
    );
  }
  if (uiPort && (await portInUse(uiPort))) {
    throw new PortInUseError(uiPort, 'TEMPORAL_UI_PORT', `Set TEMPORAL_UI_PORT to a free port for the dev server's web UI (or TEMPORAL_ADDRESS to use a Temporal server that already runs).`);
  }
}

export async function waitForTemporal(address: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready: ${String(lastError)}`);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli();
  const port = opts.port ?? (await freePort());
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? port + 1000);
  const namespace = opts.namespace ?? 'default';
  await assertDevServerPortsFree(port, uiPort);
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', opts.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', namespace,
    '--log-level', 'warn',
  ];
  for (const pragma of devServerPragmas(opts.sqlitePragmas)) args.push('--sqlite-pragma', pragma);
  if (uiPort) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(cli, args, { stdio: ['ignore', out, out] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForTemporal(address, namespace),
      exited.then(() => {
        throw new Error(`temporal dev server exited early (code ${child.exitCode}); see ${opts.logFile ?? 'its output'}`);
      }),
    ]);
    // Ready, but is it ours? A server that took the port between the check and the start would
    // have answered while ours exited.
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`temporal dev server exited (code ${child.exitCode}) while another server answered on ${address}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
