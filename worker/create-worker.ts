import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createCarrierRegistry } from '../adapters/carriers';
import { createPaymentProvider } from '../adapters/payments';
import type { Settings } from '../config/settings';
import type { Db } from '../db/knex';
import { temporalConnectionOptions } from './temporal-connection';

export interface FulfillmentWorkerOptions {
  settings: Settings;
  db: Db;
  address: string;
  /** A prebuilt workflow bundle (tests build one per run); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
  overrides?: Partial<WorkerOptions>;
}

export async function createFulfillmentWorker(opts: FulfillmentWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { settings, db } = opts;
  const connection = await NativeConnection.connect(temporalConnectionOptions(settings.temporal, opts.address));
  const worker = await Worker.create({
    connection,
    namespace: settings.temporal.namespace,
    taskQueue: settings.temporal.taskQueue,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({
      db,
      carriers: createCarrierRegistry(db, settings.sandbox),
      payments: createPaymentProvider(db, { sandbox: settings.sandbox }),
      settings,
    }),
    // A nondeterminism error (workflow code changed under an order in flight) fails the workflow
    // visibly instead of retrying its task forever behind a "Running" status.
    workflowFailureErrorTypes: { '*': ['NondeterminismError', 'DeterminismViolationError'] },
    ...opts.overrides,
  });
  return { worker, connection };
}
