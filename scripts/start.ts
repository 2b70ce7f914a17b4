/**
 * `npm start`: the whole system on one machine. Prepares the database, starts the Temporal dev
 * server (persisted under the data directory) unless TEMPORAL_ADDRESS points at a cluster, then
 * runs the worker and the web app as child processes and restarts either if it dies.
 * Ctrl-C stops all of them.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { loadSettings } from '../config/settings';
import { createDb } from '../db/knex';
import { loadTrainingModules, TrainingContentError } from '../training/content';
import { fingerprintOf } from '../db/api-keys';
import { assertOperatorKey } from '../web/api/auth';
import { resolveApiKey } from '../web/api-key-file';
import { generateWebhookSecret } from '../adapters/webhooks/standard-webhooks';
import { sandboxWebhookSecretEnv, webhookSecretsFromEnv } from '../web/webhooks/secrets';
import { ensureFirstAdmin } from '../web/auth/bootstrap';
import { assertDevServerPortsFree, DevServer, portInUse, PortInUseError, startDevServer } from './dev-server';
import { prepareDatabase } from './migrate';
import { logFor } from '../observability/logger';

const log = logFor('start');

async function main() {
  // P4.3: broken training content (training/modules/*.yaml) stops npm start before anything runs,
  // with every problem listed as "<file>: <field>: <message>".
  try {
    loadTrainingModules();
  } catch (err) {
    if (err instanceof TrainingContentError) {
      log.fatal(`${err.message}\nfix the training files above (see training/README.md) and start again.`);
      process.exit(1);
    }
    throw err;
  }
  const settings = loadSettings();
  // Ports first, before anything is written or started (issue 11 item 9): a Temporal server already
  // on 7233 must stop npm start, not quietly take the place of BoxFlow's own.
  const temporalPort = Number(process.env.TEMPORAL_PORT || 7233);
  const temporalUiPort = Number(process.env.TEMPORAL_UI_PORT || temporalPort + 1000);
  try {
    if (!settings.temporal.address) await assertDevServerPortsFree(temporalPort, temporalUiPort);
    if (await portInUse(settings.port)) throw new PortInUseError(settings.port, 'PORT', 'Set PORT to a free port for the web app.');
  } catch (err) {
    if (!(err instanceof PortInUseError)) throw err;
    log.error(`${err.message}`);
    process.exit(1);
  }
  await prepareDatabase({ seed: true });
  // First start: an admin with a random password, printed once below (no default password exists).
  const appDb = createDb(settings);
  const firstAdmin = await ensureFirstAdmin(appDb).finally(() => appDb.destroy());
  const apiKey = resolveApiKey(settings);
  try {
    assertOperatorKey(apiKey);
  } catch (err) {
    console.error(`[start] ${(err as Error).message}`);
    process.exit(1);
  }

  let devServer: DevServer | undefined;
  let address = settings.temporal.address;
  let uiUrl = settings.temporal.uiUrl;
  if (!address) {
    log.info('starting the Temporal dev server …');
    devServer = await startDevServer({
      dbFile: path.join(settings.dataDir, 'temporal.sqlite'),
      port: temporalPort,
      uiPort: temporalUiPort,
      logFile: path.join(settings.dataDir, 'temporal.log'),
    });
    address = devServer.address;
    uiUrl = devServer.uiUrl;
  }

  // The worker's Temporal SDK metrics on 127.0.0.1:9464 unless set otherwise (or the port is taken).
  let workerMetrics = process.env.BOXFLOW_WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464';
  const metricsPort = Number(workerMetrics.split(':').pop());
  if (workerMetrics !== 'off' && Number.isFinite(metricsPort) && (await portInUse(metricsPort))) {
    log.error(`port ${metricsPort} is taken: worker metrics are off (set BOXFLOW_WORKER_METRICS_ADDRESS to a free host:port)`);
    workerMetrics = 'off';
  }
  // npm start runs the warehouse with people at stations (/warehouse); BOXFLOW_WAREHOUSE=auto for the robot.
  const warehouse = process.env.BOXFLOW_WAREHOUSE || 'stations';
  // Sandbox demo: webhook secrets generated once into data/webhook-secrets.json unless any is set.
  const sandboxSecrets = settings.sandbox && Object.keys(webhookSecretsFromEnv()).length === 0 ? sandboxWebhookSecretEnv(settings.dataDir, generateWebhookSecret) : {};
  const env = { ...process.env, ...sandboxSecrets, TEMPORAL_ADDRESS: address, BOXFLOW_DATA_DIR: settings.dataDir, BOXFLOW_API_KEY: apiKey, BOXFLOW_WORKER_METRICS_ADDRESS: workerMetrics, BOXFLOW_WAREHOUSE: warehouse };
  let stopping = false;
  const children = new Map<string, ChildProcess>();
  const run = (name: string, script: string) => {
    const child = spawn(process.execPath, [path.join(settings.projectRoot, 'dist', script)], { env, stdio: 'inherit' });
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (stopping) return;
      log.error(`${name} exited (${signal ?? code}); restarting in 2 s`);
      setTimeout(() => !stopping && run(name, script), 2000);
    });
  };
  run('worker', 'worker/main.js');
  run('web', 'web/server.js');

  const web = `http://localhost:${settings.port}`;
  console.log(`
  BoxFlow is running.
    Web app       ${web}
    Temporal UI   ${uiUrl ?? '(the cluster at ' + address + ')'}
    Temporal      ${address} (namespace ${settings.temporal.namespace}, task queue ${settings.temporal.taskQueue})
    Metrics       ${web}/metrics (web, loopback only)${workerMetrics !== 'off' ? `, http://${workerMetrics}/metrics (worker)` : ''}
    Data          ${settings.dataDir}
    Warehouse     ${warehouse}${warehouse === 'stations' ? ` (people pick, pack and hand over at ${web}/warehouse)` : ' (the robot)'}
    API key       operator key, SHA-256 fingerprint ${fingerprintOf(apiKey)} (${settings.apiKey ? 'BOXFLOW_API_KEY' : `in ${path.join(settings.dataDir, 'api-key')}`});
                  scoped keys for other callers: npm run key -- create <name> <scope…>

  ${firstAdmin
    ? `Sign in at ${web}/login as ${firstAdmin.username} / ${firstAdmin.password}; change it under Account.
  (This password is shown only now. Lost it? npm run user -- reset-password ${firstAdmin.username})`
    : `Sign in at ${web}/login. New users: the Users page (admins), or npm run user -- create <username> <role>`}

  Place an order:
    curl -s -X POST ${web}/api/orders -H "Authorization: Bearer ${settings.apiKey ? '$BOXFLOW_API_KEY' : `$(cat ${path.join(settings.dataDir, 'api-key')})`}" -H 'Content-Type: application/json' \\
      -d '{"orderNo":"DEMO-1001","type":"retail","customer":{"name":"王小明","phone":"13800138000"},"shippingAddress":{"name":"王小明","phone":"13800138000","line1":"浦东新区世纪大道 100 号","city":"上海","postalCode":"200120","country":"CN"},"lines":[{"sku":"BB-MOLLY-SPACE","quantity":2,"unitPrice":69}],"currency":"CNY","payment":{"method":"card","token":"tok_paid"}}'
    then open ${web}/orders/DEMO-1001
  ${Object.keys(sandboxSecrets).length ? `Webhooks are signed (Standard Webhooks); secrets in ${path.join(settings.dataDir, 'webhook-secrets.json')}.
  A signed payment result for a tok_pending order:  npm run key -- sign payment '{"orderNo":"…","status":"succeeded","reference":"…","amount":138}'` : 'Webhooks are signed with BOXFLOW_WEBHOOK_SECRETS_<PROVIDER> (README, "Signed webhooks").'}

  Ctrl-C stops everything.
`);

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping …');
    const exits = [...children.values()].map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of children.values()) c.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000))]);
    await devServer?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  // A port can also be taken between the check above and the dev server's start.
  if (err instanceof PortInUseError) log.error(`${err.message}`);
  else log.fatal({ err }, 'failed');
  process.exit(1);
});
