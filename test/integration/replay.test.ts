/**
 * Replay safety: histories recorded from real runs (test/replay/histories, refreshed with
 * BOXFLOW_RECORD_HISTORIES=1 npm test) must replay with the current workflow code. A change that
 * would break orders in flight fails here; guard such a change with patched().
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testEnv } from '../support/harness';

const dir = path.resolve(__dirname, '..', 'replay', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)('%s replays with the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: { codePath: testEnv().bundlePath } }, history, path.basename(file, '.json'));
});
