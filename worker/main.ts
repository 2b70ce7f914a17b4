/**
 * The worker process: runs order workflows and their activities on task queue `fulfillment`.
 * Configured by environment only (see config/settings.ts); npm start runs it beside the web app.
 */
import { loadSettings } from '../config/settings';
import { createDb } from '../db/knex';
import { createFulfillmentWorker } from './create-worker';
import { ensureSettlementSchedule } from './schedules';

async function main() {
  const settings = loadSettings();
  const address = settings.temporal.address ?? 'localhost:7233';
  const db = createDb(settings);
  const { worker, connection } = await createFulfillmentWorker({
    settings,
    db,
    address,
    workflowBundlePath: process.env.BOXFLOW_WORKFLOW_BUNDLE || undefined,
  });
  const scheduleId = await ensureSettlementSchedule(settings, address);
  console.log(`[worker] schedule ${scheduleId} settles orders whose workflow ended without compensating`);
  console.log(`[worker] polling task queue "${settings.temporal.taskQueue}" on ${address} (namespace ${settings.temporal.namespace})`);
  // Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK installs the handlers).
  await worker.run();
  await connection.close();
  await db.destroy();
  console.log('[worker] stopped');
}

main().catch((err) => {
  console.error('[worker] fatal:', err);
  process.exit(1);
});
