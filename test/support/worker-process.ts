import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Harness } from './harness';

const WORKER_MAIN = path.resolve(__dirname, '..', '..', 'dist', 'worker', 'main.js');

/**
 * The real worker entry point (`npm run worker`) as its own OS process, on the harness's database
 * and task queue, so a test can kill -9 it. Needs the compiled output (npm test compiles first).
 */
export function spawnWorkerProcess(h: Harness, logName: string, extraEnv: Record<string, string> = {}): { child: ChildProcess; ready: Promise<void> } {
  if (!fs.existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm test (it compiles first) or npm run build`);
  const log = fs.openSync(path.join(path.dirname(h.dbFile), `${logName}.log`), 'a');
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: h.temporalAddress,
      DATABASE_URL: h.databaseUrl,
      BOXFLOW_TASK_QUEUE: h.taskQueue,
      BOXFLOW_WORKFLOW_BUNDLE: h.bundlePath,
      BOXFLOW_SANDBOX: '1',
      // `ready` waits for the worker's info line "polling task queue" (jest sets NODE_ENV=test: errors only otherwise).
      BOXFLOW_LOG_LEVEL: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', log],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      fs.appendFileSync(path.join(path.dirname(h.dbFile), `${logName}.log`), chunk);
      if (out.includes('polling task queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
  });
  return { child, ready };
}
