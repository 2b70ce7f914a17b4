import fs from 'node:fs';

export default async function timeSkippingTeardown(): Promise<void> {
  const runDir = process.env.BOXFLOW_TIME_SKIPPING_RUN_DIR;
  if (runDir && !process.env.BOXFLOW_KEEP_TEST_RUN) fs.rmSync(runDir, { recursive: true, force: true });
}
