import path from 'node:path';

/**
 * Every setting BoxFlow reads, in one place, from the environment only (12-factor), so that the
 * web app and the worker can run as separate processes under a process manager or in containers.
 */
export interface Settings {
  projectRoot: string;
  dataDir: string;
  port: number;
  /** Where the API key lives when BOXFLOW_API_KEY is unset (npm start generates it once). */
  apiKey: string | undefined;
  sandbox: boolean;
  databaseUrl: string | undefined;
  temporal: {
    /** Set: use that cluster and start no dev server. Unset: npm start runs the embedded dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    apiKey: string | undefined;
    tlsCertPath: string | undefined;
    tlsKeyPath: string | undefined;
    uiUrl: string | undefined;
  };
  /** Multiplies every business duration (payment deadline, SLA, task deadlines, cut-offs). */
  timeScale: number;
  /** What a stockout task does when nobody decides before its deadline (P1.10). */
  stockoutDefault: string | undefined;
  /** History events after which a long-waiting workflow run continues as new (default 2,000; lower it to watch it happen). */
  continueAsNewAfterEvents: number | undefined;
  /** BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS: days (business time, scaled) of waiting for restock before a back_order_overdue task opens (default 14). */
  backOrderTaskAfterDays: number | undefined;
  /** BOXFLOW_WAREHOUSE: `auto` (default; tests, bench, chaos) or `stations` (people at stations; what npm start runs). */
  warehouse: 'auto' | 'stations';
  /** BOXFLOW_CODEC_KEYS: payload encryption keys, "<id>:<base64 32 bytes>,…", the first encrypting (worker/encryption-codec.ts). */
  codecKeys: string | undefined;
  /**
   * BOXFLOW_DEPLOYMENT_NAME + BOXFLOW_BUILD_ID: Worker Versioning (docs/operations.md, rolling upgrades).
   * Set, the worker joins that Worker Deployment as that build and its workflows are pinned to the
   * build they started on. Unset (the default, and the dev server's path), no versioning.
   */
  workerVersion: { deploymentName: string; buildId: string } | undefined;
  /**
   * BOXFLOW_SQLITE_READERS: read-only SQLite connections the web process's list pages use beside its
   * one writer connection (db/knex.ts createReadDb; default 0 = none: measured, no gain end to end on
   * two cores, docs/performance.md "Tuning, measured"). Ignored on PostgreSQL.
   */
  sqliteReaders: number;
  /**
   * The worker's slots, pollers and sticky cache (BOXFLOW_WORKER_*; worker/create-worker.ts). Unset
   * fields keep BoxFlow's defaults there (measured, docs/performance.md "Tuning, measured").
   */
  workerTuning: WorkerTuning;
}

export interface WorkerTuning {
  /** BOXFLOW_WORKER_WORKFLOW_SLOTS: maxConcurrentWorkflowTaskExecutions. */
  workflowSlots?: number;
  /** BOXFLOW_WORKER_ACTIVITY_SLOTS: maxConcurrentActivityTaskExecutions. */
  activitySlots?: number;
  /** BOXFLOW_WORKER_STICKY_CACHE: maxCachedWorkflows (workflows kept in memory between tasks). */
  stickyCache?: number;
  /** BOXFLOW_WORKER_WORKFLOW_POLLERS: maxConcurrentWorkflowTaskPolls. */
  workflowPollers?: number;
  /** BOXFLOW_WORKER_ACTIVITY_POLLERS: maxConcurrentActivityTaskPolls. */
  activityPollers?: number;
}

function findProjectRoot(): string {
  // Works from TS sources (config/) and from compiled output (dist/config/).
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

function countSetting(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be a whole number from 0 to ${max}, got "${raw}"`);
  return n;
}

function optionalCount(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function workerTuning(env: NodeJS.ProcessEnv): WorkerTuning {
  const t: WorkerTuning = {
    workflowSlots: optionalCount('BOXFLOW_WORKER_WORKFLOW_SLOTS', env.BOXFLOW_WORKER_WORKFLOW_SLOTS, 2, 10_000),
    activitySlots: optionalCount('BOXFLOW_WORKER_ACTIVITY_SLOTS', env.BOXFLOW_WORKER_ACTIVITY_SLOTS, 1, 10_000),
    stickyCache: optionalCount('BOXFLOW_WORKER_STICKY_CACHE', env.BOXFLOW_WORKER_STICKY_CACHE, 0, 100_000),
    workflowPollers: optionalCount('BOXFLOW_WORKER_WORKFLOW_POLLERS', env.BOXFLOW_WORKER_WORKFLOW_POLLERS, 2, 1_000),
    activityPollers: optionalCount('BOXFLOW_WORKER_ACTIVITY_POLLERS', env.BOXFLOW_WORKER_ACTIVITY_POLLERS, 1, 1_000),
  };
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as WorkerTuning;
}

function warehouseMode(raw: string | undefined): 'auto' | 'stations' {
  if (raw === undefined || raw === '') return 'auto';
  if (raw !== 'auto' && raw !== 'stations') throw new Error(`BOXFLOW_WAREHOUSE must be auto or stations, got "${raw}"`);
  return raw;
}

function workerVersion(deploymentName: string | undefined, buildId: string | undefined): Settings['workerVersion'] {
  if (!deploymentName && !buildId) return undefined;
  if (!deploymentName || !buildId) throw new Error('BOXFLOW_DEPLOYMENT_NAME and BOXFLOW_BUILD_ID go together (Worker Versioning): set both or neither');
  // The server joins them as "<deployment>.<build>" and rejects a "." in the deployment name.
  if (deploymentName.includes('.')) throw new Error(`BOXFLOW_DEPLOYMENT_NAME must not contain ".", got "${deploymentName}"`);
  return { deploymentName, buildId };
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const projectRoot = findProjectRoot();
  const dataDir = path.resolve(projectRoot, env.BOXFLOW_DATA_DIR || 'data');
  return {
    projectRoot,
    dataDir,
    port: positiveNumber('PORT', env.PORT, 3000),
    apiKey: env.BOXFLOW_API_KEY || undefined,
    sandbox: (env.BOXFLOW_SANDBOX ?? '1') === '1',
    databaseUrl: env.DATABASE_URL || undefined,
    temporal: {
      address: env.TEMPORAL_ADDRESS || undefined,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      taskQueue: env.BOXFLOW_TASK_QUEUE || 'fulfillment',
      apiKey: env.TEMPORAL_API_KEY || undefined,
      tlsCertPath: env.TEMPORAL_TLS_CERT || undefined,
      tlsKeyPath: env.TEMPORAL_TLS_KEY || undefined,
      uiUrl: env.TEMPORAL_UI_URL || undefined,
    },
    timeScale: positiveNumber('BOXFLOW_TIME_SCALE', env.BOXFLOW_TIME_SCALE, 1),
    stockoutDefault: env.BOXFLOW_STOCKOUT_DEFAULT || undefined,
    warehouse: warehouseMode(env.BOXFLOW_WAREHOUSE),
    codecKeys: env.BOXFLOW_CODEC_KEYS || undefined,
    workerVersion: workerVersion(env.BOXFLOW_DEPLOYMENT_NAME, env.BOXFLOW_BUILD_ID),
    backOrderTaskAfterDays: env.BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS ? positiveNumber('BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS', env.BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS, 14) : undefined,
    workerTuning: workerTuning(env),
    sqliteReaders: countSetting('BOXFLOW_SQLITE_READERS', env.BOXFLOW_SQLITE_READERS, 0, 64),
    continueAsNewAfterEvents: env.BOXFLOW_CONTINUE_AS_NEW_AFTER ? Math.round(positiveNumber('BOXFLOW_CONTINUE_AS_NEW_AFTER', env.BOXFLOW_CONTINUE_AS_NEW_AFTER, 2_000)) : undefined,
  };
}
