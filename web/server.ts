/**
 * The web process: API and pages. Configured by environment only (config/settings.ts).
 */
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../config/settings';
import { buildPolicy } from '../domain/policy';
import { createDb } from '../db/knex';
import { getTrainingModules, TrainingContentError } from '../training/content';
import { dataConverterFor } from '../worker/encryption-codec';
import { temporalConnectionOptions } from '../worker/temporal-connection';
import { createApp } from './app';
import { resolveApiKey } from './api-key-file';
import { startMissingWorkflows } from './services/order-intake';

async function main() {
  // P4.3: the training modules (training/modules/*.yaml) are validated before anything starts; a
  // broken file stops the web app with every problem listed as "<file>: <field>: <message>".
  try {
    const modules = getTrainingModules();
    console.log(`[web] training content: ${modules.length} modules valid`);
  } catch (err) {
    if (err instanceof TrainingContentError) {
      console.error(`[web] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const settings = loadSettings();
  const db = createDb(settings);
  const address = settings.temporal.address ?? 'localhost:7233';
  const connection = await Connection.connect(temporalConnectionOptions(settings.temporal, address));
  const client = new Client({ connection, namespace: settings.temporal.namespace, dataConverter: dataConverterFor(settings.codecKeys) });
  const temporal = { client, taskQueue: settings.temporal.taskQueue, policy: buildPolicy({ timeScale: settings.timeScale, stockoutDefault: settings.stockoutDefault, continueAsNewAfterEvents: settings.continueAsNewAfterEvents }) };
  const apiKey = resolveApiKey(settings);
  const server = http.createServer(createApp({ db, temporal, apiKey, dataDir: settings.dataDir }));
  await new Promise<void>((resolve) => server.listen(settings.port, resolve));
  console.log(`[web] listening on http://localhost:${settings.port}`);

  // Orders written but never started (a crash between the two) are started here.
  const sweep = async () => {
    try {
      const n = await startMissingWorkflows(db, temporal);
      if (n) console.log(`[web] started ${n} order workflow(s) that had not been started`);
    } catch (err) {
      console.error('[web] sweep failed:', (err as Error).message);
    }
  };
  void sweep();
  const timer = setInterval(sweep, 30_000);

  const stop = () => {
    clearInterval(timer);
    server.close(async () => {
      await connection.close();
      await db.destroy();
      console.log('[web] stopped');
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error('[web] fatal:', err);
  process.exit(1);
});
