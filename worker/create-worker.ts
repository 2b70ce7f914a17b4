import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createCarrierRegistry } from '../adapters/carriers';
import { createPaymentProvider } from '../adapters/payments';
import { CarrierTracker, createSandboxTracker } from '../adapters/carriers/tracking';
import { createKuaidi100Tracker } from '../adapters/carriers/kuaidi100';
import { createLogSender, NotificationSender } from '../adapters/notifications/sender';
import { createSmtpSender } from '../adapters/notifications/smtp';
import { Kuaidi100Settings, loadProviderSettings, ProviderSettings, requireLiveProviders } from '../config/providers';
import type { Settings, WorkerTuning } from '../config/settings';
import type { Db } from '../db/knex';
import { dataConverterFor } from './encryption-codec';
import { temporalConnectionOptions } from './temporal-connection';

export interface FulfillmentWorkerOptions {
  settings: Settings;
  db: Db;
  address: string;
  /** A connection made elsewhere (the time-skipping test server's); else one to `address` is made. */
  connection?: NativeConnection;
  /** A prebuilt workflow bundle (tests build one per run); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
  overrides?: Partial<WorkerOptions>;
  /** Where customer messages go (default: the log sender, one JSON line per message in <data>/outbox.log). */
  sender?: NotificationSender;
  /**
   * The real providers' settings (config/providers.ts). Default: none in sandbox mode; with
   * BOXFLOW_SANDBOX=0, read from the environment and required complete (the worker refuses to start
   * with the list of what is missing). Given in sandbox mode (tests against the stand-ins), each
   * provider configured here replaces its sandbox and the others stay sandboxes.
   */
  providers?: ProviderSettings;
}

export async function createFulfillmentWorker(opts: FulfillmentWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { settings, db } = opts;
  // Checked before anything connects: every missing or wrong provider setting at once.
  const providers = settings.sandbox ? opts.providers : requireLiveProviders(opts.providers ?? loadProviderSettings());
  const connection = opts.connection ?? (await NativeConnection.connect(temporalConnectionOptions(settings.temporal, opts.address)));
  const worker = await Worker.create({
    connection,
    namespace: settings.temporal.namespace,
    taskQueue: settings.temporal.taskQueue,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({
      db,
      carriers: createCarrierRegistry(db, settings.sandbox, { sf: providers?.sf }),
      payments: createPaymentProvider(db, { sandbox: settings.sandbox, alipay: providers?.alipay }),
      tracker: createTracker(settings, providers?.kuaidi100),
      sender: opts.sender ?? createSender(settings),
      settings,
    }),
    // A nondeterminism error (workflow code changed under an order in flight) fails the workflow
    // visibly instead of retrying its task forever behind a "Running" status.
    workflowFailureErrorTypes: { '*': ['NondeterminismError', 'DeterminismViolationError'] },
    // Encrypted payloads when BOXFLOW_CODEC_KEYS is set (customer data is ciphertext in histories).
    dataConverter: dataConverterFor(settings.codecKeys),
    // Worker Versioning (BOXFLOW_DEPLOYMENT_NAME/BOXFLOW_BUILD_ID): an order runs to its end on the
    // build it started on; a new build takes new orders once it is made current (docs/operations.md).
    ...(settings.workerVersion
      ? { workerDeploymentOptions: { version: settings.workerVersion, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' as const } }
      : {}),
    // Slots, pollers, sticky cache: BoxFlow's measured defaults, then BOXFLOW_WORKER_* (docs/performance.md).
    ...workerTuningOptions(settings.workerTuning),
    ...opts.overrides,
  });
  return { worker, connection };
}

/**
 * BoxFlow's defaults for the worker's slots, pollers and sticky cache (measured in docs/performance.md,
 * "Tuning, measured"; a field left out keeps the SDK's default), with BOXFLOW_WORKER_* on top.
 */
export const WORKER_TUNING_DEFAULTS: WorkerTuning = {};

export function workerTuningOptions(tuning: WorkerTuning | undefined): Partial<WorkerOptions> {
  const t = { ...WORKER_TUNING_DEFAULTS, ...(tuning ?? {}) };
  const o: Partial<WorkerOptions> = {};
  if (t.workflowSlots !== undefined) o.maxConcurrentWorkflowTaskExecutions = t.workflowSlots;
  if (t.activitySlots !== undefined) o.maxConcurrentActivityTaskExecutions = t.activitySlots;
  if (t.stickyCache !== undefined) o.maxCachedWorkflows = t.stickyCache;
  if (t.workflowPollers !== undefined) o.maxConcurrentWorkflowTaskPolls = t.workflowPollers;
  if (t.activityPollers !== undefined) o.maxConcurrentActivityTaskPolls = t.activityPollers;
  return o;
}

function createTracker(settings: Settings, kuaidi100: Kuaidi100Settings | undefined): CarrierTracker {
  if (kuaidi100) return createKuaidi100Tracker(kuaidi100);
  if (!settings.sandbox) throw new Error('no live carrier tracking is configured (BOXFLOW_KUAIDI100_*); run with BOXFLOW_SANDBOX=1');
  return createSandboxTracker(settings.timeScale);
}

/** E-mail through SMTP when BOXFLOW_SMTP_URL is set (SMS and everything else to the log); else the log sender. */
function createSender(settings: Settings): NotificationSender {
  const log = createLogSender(settings.dataDir);
  const smtpUrl = process.env.BOXFLOW_SMTP_URL;
  if (!smtpUrl) return log;
  const smtp = createSmtpSender({ url: smtpUrl, from: process.env.BOXFLOW_SMTP_FROM || 'BoxFlow <no-reply@boxflow.local>' });
  return { name: 'smtp+log', send: (m) => (m.channel === 'email' ? smtp.send(m) : log.send(m)) };
}
