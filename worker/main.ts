/**
 * The worker process: runs order workflows and their activities on task queue `fulfillment`.
 * Configured by environment only (see config/settings.ts, observability/settings.ts); npm start runs
 * it beside the web app. Logs are pino (JSON, or pretty at a terminal); with
 * BOXFLOW_WORKER_METRICS_ADDRESS the Temporal SDK's Prometheus metrics are served there.
 */
import { ProviderSettingsError } from '../config/providers';
import { loadSettings } from '../config/settings';
import { createDb } from '../db/knex';
import { logFor } from '../observability/logger';
import { loadObservabilitySettings } from '../observability/settings';
import { noWorkflowSpans, setupTracing, traceKnex, workerTracingOptions } from '../observability/tracing';
import { createFulfillmentWorker } from './create-worker';
import { installWorkerRuntime } from './runtime';
import { ensureSettlementSchedule } from './schedules';

const log = logFor('worker');

async function main() {
  const settings = loadSettings();
  const ops = loadObservabilitySettings();
  installWorkerRuntime(ops, logFor('temporal'));
  const address = settings.temporal.address ?? 'localhost:7233';
  const db = createDb(settings);
  const workflowBundlePath = process.env.BOXFLOW_WORKFLOW_BUNDLE || undefined;
  // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set: workflow spans (the OpenTelemetry workflow
  // interceptor: added when the worker bundles the workflows itself, built into the image's prebuilt
  // bundle by deploy/bundle-workflows.cjs), activity spans, knex spans. A prebuilt bundle may carry the
  // interceptor, so with tracing off its span sink is still there, exporting nowhere.
  const tracing = setupTracing({ serviceName: 'boxflow-worker', endpoint: ops.otlpEndpoint });
  if (tracing) {
    traceKnex(db, tracing.tracer);
    log.info({ endpoint: ops.otlpEndpoint }, `traces to ${ops.otlpEndpoint}`);
  }
  const { worker, connection } = await createFulfillmentWorker({
    settings,
    db,
    address,
    workflowBundlePath,
    overrides: tracing ? workerTracingOptions(tracing, { prebuiltBundle: Boolean(workflowBundlePath) }) : workflowBundlePath ? noWorkflowSpans() : undefined,
  });
  const scheduleId = await ensureSettlementSchedule(settings, address);
  log.info({ scheduleId }, `schedule ${scheduleId} settles orders whose workflow ended without compensating`);
  if (ops.workerMetricsAddress) log.info({ metrics: `http://${ops.workerMetricsAddress}/metrics` }, `Temporal SDK metrics on http://${ops.workerMetricsAddress}/metrics`);
  log.info(
    { taskQueue: settings.temporal.taskQueue, temporalAddress: address, namespace: settings.temporal.namespace },
    `polling task queue "${settings.temporal.taskQueue}" on ${address} (namespace ${settings.temporal.namespace})`,
  );
  // Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK installs the handlers).
  await worker.run();
  await connection.close();
  await db.destroy();
  await tracing?.shutdown();
  log.info('stopped');
}

main().catch((err) => {
  if (err instanceof ProviderSettingsError) log.fatal({ problems: err.problems }, err.message);
  else log.fatal({ err }, 'fatal');
  process.exit(1);
});
