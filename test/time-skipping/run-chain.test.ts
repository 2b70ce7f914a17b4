/**
 * The event-count helpers of test/support/time-skipping.ts follow a continue-as-new chain: every
 * run is found and counted, first to last, and a run over the limit is named. A small fixture
 * workflow (fixtures/chain.workflow.ts) on its own task queue of the same test server.
 */
import { Worker } from '@temporalio/worker';
import { createTimeSkippingWorld, expectEveryRunUnder, runsOf, TimeSkippingWorld } from '../support/time-skipping';

let world: TimeSkippingWorld;
beforeAll(async () => {
  world = await createTimeSkippingWorld();
}, 120_000);
afterAll(async () => world?.close());

test('every run of a chain is counted, and a run over the limit is named', async () => {
  const worker = await Worker.create({ connection: world.env.nativeConnection, taskQueue: 'chain', workflowsPath: require.resolve('./fixtures/chain.workflow') });
  const runs = await worker.runUntil(async () => {
    // Three runs of four one-hour timers: the result waits (and skips time) through all of them.
    await world.client.workflow.execute('chain', { taskQueue: 'chain', workflowId: 'chain-1', args: [3, 4] });
    return runsOf(world.client, 'chain-1');
  });
  expect(runs.map((r) => r.ended)).toEqual(['continued_as_new', 'continued_as_new', 'completed']);
  expect(new Set(runs.map((r) => r.runId)).size).toBe(3);
  // Started, 2 × (task scheduled, started, completed), 4 × (timer started, fired), then the end: 16 or so each.
  for (const r of runs) expect(r.events).toBeGreaterThan(12);
  await expect(expectEveryRunUnder(world.client, 'chain-1', runs[0].events)).rejects.toThrow(/chain-1: 3 of 3 run\(s\) reached \d+ events/);
  expect(await expectEveryRunUnder(world.client, 'chain-1', 1000)).toEqual(runs);
}, 120_000);
