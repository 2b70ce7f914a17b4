/**
 * The web process: API and pages. Configured by environment only (config/settings.ts).
 */
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { loadProviderSettings, ProviderSettings, ProviderSettingsError, requireLiveProviders } from '../config/providers';
import { loadSettings } from '../config/settings';
import { loadObservabilitySettings } from '../observability/settings';
import { logFor } from '../observability/logger';
import { clientInterceptors, setupTracing, traceKnex } from '../observability/tracing';
import { buildPolicy } from '../domain/policy';
import { createDb, createReadDb } from '../db/knex';
import { getTrainingModules, TrainingContentError } from '../training/content';
import { dataConverterFor } from '../worker/encryption-codec';
import { temporalConnectionOptions } from '../worker/temporal-connection';
import { createApp } from './app';
import { resolveApiKey } from './api-key-file';
import { startMissingWorkflows } from './services/order-intake';

const log = logFor('web');

async function main() {
  // P4.3: the training modules (training/modules/*.yaml) are validated before anything starts; a
  // broken file stops the web app with every problem listed as "<file>: <field>: <message>".
  try {
    const modules = getTrainingModules();
    log.info({ modules: modules.length }, `training content: ${modules.length} modules valid`);
  } catch (err) {
    if (err instanceof TrainingContentError) {
      log.fatal(err.message);
      process.exit(1);
    }
    throw err;
  }
  const settings = loadSettings();
  // BOXFLOW_SANDBOX=0: every real provider's settings, or a refusal listing all that is missing.
  let providers: ProviderSettings;
  try {
    providers = settings.sandbox ? loadProviderSettings() : requireLiveProviders(loadProviderSettings());
  } catch (err) {
    if (!(err instanceof ProviderSettingsError)) throw err;
    log.fatal({ problems: err.problems }, err.message);
    process.exit(1);
  }
  const db = createDb(settings);
  // SQLite with BOXFLOW_SQLITE_READERS > 0: the list pages read through their own read-only connections.
  const readDb = createReadDb(settings, db, settings.sqliteReaders);
  const ops = loadObservabilitySettings();
  // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set: HTTP, StartWorkflow (context passed to the workflow), knex.
  const tracing = setupTracing({ serviceName: 'boxflow-web', endpoint: ops.otlpEndpoint });
  if (tracing) {
    traceKnex(db, tracing.tracer);
    if (readDb !== db) traceKnex(readDb, tracing.tracer);
  }
  const address = settings.temporal.address ?? 'localhost:7233';
  const connection = await Connection.connect(temporalConnectionOptions(settings.temporal, address));
  const client = new Client({ connection, namespace: settings.temporal.namespace, interceptors: clientInterceptors(tracing), dataConverter: dataConverterFor(settings.codecKeys) });
  const temporal = { client, taskQueue: settings.temporal.taskQueue, policy: buildPolicy({ timeScale: settings.timeScale, stockoutDefault: settings.stockoutDefault, continueAsNewAfterEvents: settings.continueAsNewAfterEvents, warehouse: settings.warehouse, backOrderTaskAfterDays: settings.backOrderTaskAfterDays }) };
  const apiKey = resolveApiKey(settings);
  const server = http.createServer(createApp({ db, readDb, temporal, apiKey, dataDir: settings.dataDir, ops: { processMetrics: true, metricsKey: ops.metricsKey }, tracer: tracing?.tracer, providers }));
  await new Promise<void>((resolve) => server.listen(settings.port, resolve));
  log.info({ port: settings.port }, `listening on http://localhost:${settings.port}`);

  // Orders written but never started (a crash between the two) are started here.
  const sweep = async () => {
    try {
      const n = await startMissingWorkflows(db, temporal);
      if (n) log.warn({ started: n }, `started ${n} order workflow(s) that had not been started`);
    } catch (err) {
      log.error({ err }, 'sweep failed');
    }
  };
  void sweep();
  const timer = setInterval(sweep, 30_000);

  const stop = () => {
    clearInterval(timer);
    server.close(async () => {
      await connection.close();
      if (readDb !== db) await readDb.destroy();
      await db.destroy();
      await tracing?.shutdown();
      log.info('stopped');
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  log.fatal({ err }, 'fatal');
  process.exit(1);
});
