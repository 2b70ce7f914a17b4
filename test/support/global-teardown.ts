import fs from 'node:fs';
import type { DevServer } from '../../scripts/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__boxflowDevServer as DevServer | undefined;
  await server?.stop();
  const runDir = process.env.BOXFLOW_TEST_RUN_DIR;
  if (runDir && !process.env.BOXFLOW_KEEP_TEST_RUN) fs.rmSync(runDir, { recursive: true, force: true });
}
