/**
 * `npm run cluster -- start|stop|status|build`: the production layout's Temporal, for real, without
 * Docker: the Temporal server (go.temporal.io/server, the version of deploy/compose.yaml's
 * TEMPORAL_VERSION) on a throwaway PostgreSQL (scripts/ci-postgres.sh), configured from
 * deploy/temporal/cluster.yaml, with the namespace and BoxFlow's search attributes registered.
 *
 *   npm run cluster -- build    # go install the server and its SQL tool into .tools/ (once, ~4 min on 2 cores)
 *   npm run cluster -- start    # builds if needed, starts PostgreSQL + Temporal, prints the address
 *   npm run cluster -- status
 *   npm run cluster -- stop     # stops both and deletes their data
 *
 * --dir <path> (or BOXFLOW_CLUSTER_DIR) holds the run: cluster.json (address, ports, pids), the logs.
 * Default: .run/cluster in the project. The app database goes on the same PostgreSQL (database
 * `boxflow`, created at start): `DATABASE_URL` is printed beside the address.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { freePort, portInUse } from './dev-server';

const ROOT = path.basename(path.resolve(__dirname, '..')) === 'dist' ? path.resolve(__dirname, '..', '..') : path.resolve(__dirname, '..');
/** The Go toolchain the server is built with (go.temporal.io/server v1.31 needs a newer Go than Debian's). */
export const GO_TOOLCHAIN = 'go1.27.3';
const NAMESPACE = 'default';
const RETENTION_SECONDS = 30 * 24 * 3600; // as deploy/temporal/register.sh: 30 days of closed histories

/** The one place the Temporal version is written: deploy/compose.yaml's TEMPORAL_VERSION default. */
export function temporalVersion(): string {
  const compose = fs.readFileSync(path.join(ROOT, 'deploy', 'compose.yaml'), 'utf8');
  const versions = new Set([...compose.matchAll(/\$\{TEMPORAL_VERSION:-([0-9]+\.[0-9]+\.[0-9]+)\}/g)].map((m) => m[1]));
  if (versions.size !== 1) throw new Error(`deploy/compose.yaml should name one TEMPORAL_VERSION default, found ${[...versions].join(', ') || 'none'}`);
  return [...versions][0];
}

export interface ServerTools {
  version: string;
  dir: string;
  server: string;
  sql: string;
  schemaDir: string;
}

export function serverTools(version = temporalVersion()): ServerTools {
  const dir = path.join(ROOT, '.tools', `temporal-server-${version}`);
  return { version, dir, server: path.join(dir, 'server'), sql: path.join(dir, 'sql'), schemaDir: path.join(dir, 'schema', 'postgresql', 'v12') };
}

/**
 * Builds the server and the SQL tool into .tools/temporal-server-<version>/ unless they are there,
 * and copies the module's PostgreSQL schema beside them. The Go module and build caches make a
 * second build (another checkout on the same machine) fast.
 */
export function ensureServerBuilt(log: (m: string) => void = () => {}): ServerTools {
  const tools = serverTools();
  if (fs.existsSync(tools.server) && fs.existsSync(tools.sql) && fs.existsSync(tools.schemaDir)) return tools;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the Temporal server is built with Go: install Go (any version; GOTOOLCHAIN fetches ' + GO_TOOLCHAIN + ' from the module proxy)');
  }
  fs.mkdirSync(tools.dir, { recursive: true });
  const env = { ...process.env, GOTOOLCHAIN: GO_TOOLCHAIN, GOBIN: tools.dir };
  const t0 = Date.now();
  for (const pkg of ['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql']) {
    log(`go install ${pkg}@v${tools.version} (GOTOOLCHAIN=${GO_TOOLCHAIN}) …`);
    execFileSync('go', ['install', `${pkg}@v${tools.version}`], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const modDir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', `go.temporal.io/server@v${tools.version}`], { env, encoding: 'utf8', cwd: tools.dir }).trim();
  fs.rmSync(path.join(tools.dir, 'schema'), { recursive: true, force: true });
  fs.cpSync(path.join(modDir, 'schema', 'postgresql', 'v12'), tools.schemaDir, { recursive: true });
  // The module cache is read-only; the copy must be deletable.
  execFileSync('chmod', ['-R', 'u+w', path.join(tools.dir, 'schema')]);
  log(`built in ${Math.round((Date.now() - t0) / 1000)} s: ${tools.dir}`);
  return tools;
}

// ---------------------------------------------------------------------------------------------

export interface ClusterState {
  version: string;
  address: string;
  namespace: string;
  /** The app database on the cluster's PostgreSQL. */
  databaseUrl: string;
  pgAdminUrl: string;
  pgPort: number;
  pgDir: string;
  serverPid: number;
  ports: Record<string, number>;
  dir: string;
}

export interface Cluster {
  state: ClusterState;
  /** kill -9 the Temporal server (PostgreSQL keeps its data). */
  killServer(): Promise<void>;
  /** Start the server again on the same ports and database. */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

type Log = (m: string) => void;

/**
 * A free port below 32768: the server records its services' ports in PostgreSQL's smallint columns
 * (cluster_membership), so the kernel's ephemeral ports (32768 and up) are refused there.
 */
async function serverPort(taken: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (!taken.includes(port) && !(await portInUse(port))) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

function stateFile(dir: string): string {
  return path.join(dir, 'cluster.json');
}

export function readClusterState(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pgEnv(state: Pick<ClusterState, 'pgPort' | 'pgDir'>): NodeJS.ProcessEnv {
  return { ...process.env, BOXFLOW_PG_PORT: String(state.pgPort), BOXFLOW_PG_DIR: state.pgDir };
}

function serverEnv(state: ClusterState): NodeJS.ProcessEnv {
  const p = state.ports;
  return {
    ...process.env,
    BOXFLOW_CLUSTER_PG_PORT: String(state.pgPort),
    BOXFLOW_CLUSTER_FRONTEND_PORT: String(p.frontend),
    BOXFLOW_CLUSTER_FRONTEND_HTTP_PORT: String(p.frontendHttp),
    BOXFLOW_CLUSTER_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    BOXFLOW_CLUSTER_MATCHING_PORT: String(p.matching),
    BOXFLOW_CLUSTER_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    BOXFLOW_CLUSTER_HISTORY_PORT: String(p.history),
    BOXFLOW_CLUSTER_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    BOXFLOW_CLUSTER_WORKER_PORT: String(p.worker),
    BOXFLOW_CLUSTER_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    BOXFLOW_CLUSTER_DYNAMIC_CONFIG: path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig', 'cluster.yaml'),
  };
}

function spawnServer(state: ClusterState, tools: ServerTools, detached: boolean): ChildProcess {
  const out = fs.openSync(path.join(state.dir, 'temporal.log'), 'a');
  const child = spawn(tools.server, ['--config-file', path.join(ROOT, 'deploy', 'temporal', 'cluster.yaml'), '--allow-no-auth', 'start'], {
    env: serverEnv(state),
    stdio: ['ignore', out, out],
    detached,
  });
  fs.closeSync(out);
  if (detached) child.unref();
  return child;
}

/** Until the frontend answers (the namespace need not exist yet). */
async function waitForFrontend(address: string, isUp: () => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    if (!isUp()) throw new Error('the Temporal server exited while starting');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        // The server also needs its system namespace before it registers others.
        await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`Temporal at ${address} did not answer: ${String(last)}`);
}

const INDEXED = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

/** The namespace and domain/search-attributes.ts, as deploy/temporal/register.sh does for compose. Idempotent. */
export async function registerNamespace(address: string, namespace = NAMESPACE, timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const svc = connection.workflowService;
    try {
      await svc.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION_SECONDS * 1000) });
    } catch (err) {
      if (!/already exists|AlreadyExists/i.test(String((err as Error).message))) throw err;
    }
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await svc.describeNamespace({ namespace });
        break;
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !existing.customAttributes?.[name]);
    if (missing.length) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED[type]])) });
    }
    for (;;) {
      const now = await connection.operatorService.listSearchAttributes({ namespace });
      if (Object.keys(SEARCH_ATTRIBUTES).every((name) => now.customAttributes?.[name])) break;
      if (Date.now() > until) throw new Error('the search attributes did not show up');
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}

function sqlTool(tools: ServerTools, pgPort: number, db: string, args: string[], logFile: string): void {
  const out = fs.openSync(logFile, 'a');
  try {
    execFileSync(tools.sql, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgPort), '-u', 'postgres', '--db', db, ...args], { stdio: ['ignore', out, out] });
  } catch (err) {
    throw new Error(`temporal sql tool ${args[0]} on ${db} failed; see ${logFile}: ${String(err)}`);
  } finally {
    fs.closeSync(out);
  }
}

/**
 * Starts PostgreSQL and the Temporal server on free ports. `detached`: the server outlives this
 * process (npm run cluster start); otherwise it is this process's child (tests).
 */
export async function startCluster(opts: { dir: string; log?: Log; detached?: boolean }): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  const dir = path.resolve(opts.dir);
  const previous = readClusterState(dir);
  if (previous && alive(previous.serverPid)) throw new Error(`a cluster already runs from ${dir} (${previous.address}); npm run cluster -- stop first`);
  if (previous) await stopFromState(previous);
  fs.mkdirSync(dir, { recursive: true });
  const tools = ensureServerBuilt(log);

  const pgPort = await freePort();
  // PostgreSQL's own directory is under /tmp: as root it runs as the postgres user, who must reach it.
  const pgDir = `/tmp/boxflow-cluster-pg-${pgPort}`;
  const ports: Record<string, number> = {};
  for (const name of ['frontend', 'frontendHttp', 'frontendMembership', 'matching', 'matchingMembership', 'history', 'historyMembership', 'worker', 'workerMembership']) {
    ports[name] = await serverPort([pgPort, ...Object.values(ports)]);
  }
  const state: ClusterState = {
    version: tools.version,
    address: `127.0.0.1:${ports.frontend}`,
    namespace: NAMESPACE,
    databaseUrl: `postgres://postgres@127.0.0.1:${pgPort}/boxflow`,
    pgAdminUrl: '',
    pgPort,
    pgDir,
    serverPid: 0,
    ports,
    dir,
  };

  log(`PostgreSQL on 127.0.0.1:${pgPort}`);
  state.pgAdminUrl = execFileSync(path.join(ROOT, 'scripts', 'ci-postgres.sh'), ['start'], { env: pgEnv(state), encoding: 'utf8' }).trim();
  fs.writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  let child: ChildProcess | undefined;
  try {
    const schemaLog = path.join(dir, 'schema.log');
    for (const [db, sub] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']]) {
      log(`schema ${db} (${path.relative(ROOT, tools.schemaDir)}/${sub})`);
      sqlTool(tools, pgPort, db, ['create'], schemaLog);
      sqlTool(tools, pgPort, db, ['setup-schema', '-v', '0.0'], schemaLog);
      sqlTool(tools, pgPort, db, ['update-schema', '-d', path.join(tools.schemaDir, sub, 'versioned')], schemaLog);
    }
    // The app's database, beside Temporal's (the app migrates it itself).
    sqlTool(tools, pgPort, 'boxflow', ['create'], schemaLog);

    child = await startServerProcess(state, tools, Boolean(opts.detached), log);
    await registerNamespace(state.address, state.namespace);
    log(`namespace ${state.namespace} and ${Object.keys(SEARCH_ATTRIBUTES).length} search attributes registered`);
  } catch (err) {
    await stopFromState(state);
    throw err;
  }
  return handleFor(state, tools, child, Boolean(opts.detached), log);
}

async function startServerProcess(state: ClusterState, tools: ServerTools, detached: boolean, log: Log): Promise<ChildProcess> {
  log(`Temporal server ${tools.version} on ${state.address} (log: ${path.join(state.dir, 'temporal.log')})`);
  const child = spawnServer(state, tools, detached);
  state.serverPid = child.pid!;
  fs.writeFileSync(stateFile(state.dir), JSON.stringify(state, null, 2));
  await waitForFrontend(state.address, () => child.exitCode === null && child.signalCode === null);
  return child;
}

function handleFor(state: ClusterState, tools: ServerTools, first: ChildProcess, detached: boolean, log: Log): Cluster {
  let child = first;
  return {
    state,
    async killServer() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
    async restartServer() {
      // Right after a kill -9 a port can still be held for a moment: try again, as a process manager would.
      for (let attempt = 1; ; attempt++) {
        try {
          child = await startServerProcess(state, tools, detached, log);
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    },
    async stop() {
      await stopFromState(state);
    },
  };
}

async function stopFromState(state: ClusterState): Promise<void> {
  if (state.serverPid && alive(state.serverPid)) {
    process.kill(state.serverPid, 'SIGTERM');
    const until = Date.now() + 15_000;
    while (alive(state.serverPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    if (alive(state.serverPid)) process.kill(state.serverPid, 'SIGKILL');
  }
  try {
    execFileSync(path.join(ROOT, 'scripts', 'ci-postgres.sh'), ['stop'], { env: pgEnv(state), stdio: 'ignore' });
  } catch {
    /* already gone */
  }
  fs.rmSync(stateFile(state.dir), { force: true });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const cmd = args.find((a) => !a.startsWith('--')) ?? 'status';
  const dirFlag = args.indexOf('--dir');
  const dir = path.resolve(dirFlag >= 0 ? args[dirFlag + 1] : process.env.BOXFLOW_CLUSTER_DIR || path.join(ROOT, '.run', 'cluster'));
  const log: Log = (m) => process.stderr.write(`[cluster] ${m}\n`);
  switch (cmd) {
    case 'build':
      ensureServerBuilt(log);
      console.log(serverTools().dir);
      return;
    case 'start': {
      const cluster = await startCluster({ dir, log, detached: true });
      const s = cluster.state;
      console.log(`TEMPORAL_ADDRESS=${s.address}`);
      console.log(`TEMPORAL_NAMESPACE=${s.namespace}`);
      console.log(`DATABASE_URL=${s.databaseUrl}`);
      log(`running (server pid ${s.serverPid}); npm run cluster -- stop${dirFlag >= 0 ? ` --dir ${dir}` : ''} ends it`);
      return;
    }
    case 'stop': {
      const s = readClusterState(dir);
      if (!s) {
        log(`no cluster in ${dir}`);
        return;
      }
      await stopFromState(s);
      log('stopped');
      return;
    }
    case 'status': {
      const s = readClusterState(dir);
      if (!s) {
        console.log(`no cluster in ${dir}`);
        process.exitCode = 1;
        return;
      }
      const up = alive(s.serverPid);
      console.log(`${up ? 'running' : 'NOT running'}: Temporal ${s.version} at ${s.address} (pid ${s.serverPid}), PostgreSQL ${s.pgAdminUrl}`);
      console.log(`TEMPORAL_ADDRESS=${s.address}`);
      console.log(`DATABASE_URL=${s.databaseUrl}`);
      if (!up) process.exitCode = 1;
      return;
    }
    default:
      throw new Error(`usage: npm run cluster -- start|stop|status|build [--dir <path>]`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[cluster] failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
