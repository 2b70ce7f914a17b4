/**
 * Once per `npm test`: a real Temporal dev server on free ports with a fresh SQLite file, and the
 * workflow bundle built once for every test worker to load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../scripts/dev-server';

export default async function globalSetup(): Promise<void> {
  const runDir = path.resolve(__dirname, '..', '.run', `run-${process.pid}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });

  const server = await startDevServer({
    dbFile: path.join(runDir, 'temporal.sqlite'),
    headless: true,
    logFile: path.join(runDir, 'temporal.log'),
  });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const bundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);

  process.env.BOXFLOW_TEST_RUN_DIR = runDir;
  process.env.BOXFLOW_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.BOXFLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as Record<string, unknown>).__boxflowDevServer = server;
}
