/**
 * `npm run chaos` in small: the same three scenarios and invariants as scripts/chaos.ts, with a few
 * orders each. (a) kill -9 the worker process, (b) kill -9 a dev server of this test's own and
 * restart it on the same file, (c) a carrier failing 30 % and timing out on 10 % of booking calls.
 * Here the kills land while every order is booking with the carrier (heartbeated, retried within
 * seconds); the full run kills at any step.
 */
import path from 'node:path';
import { ChaosWorld, createChaosWorld, printReports, runChaos } from '../../scripts/chaos';
import { testEnv } from '../support/harness';

let world: ChaosWorld;
beforeAll(async () => {
  const { runDir, bundlePath } = testEnv();
  world = await createChaosWorld({ dir: path.join(runDir, `chaos-${process.pid}`), bundlePath, log: () => {} });
});
afterAll(async () => {
  await world?.close();
});

// (c) has 16 orders: with 63 % of first booking attempts going through, the chance that none of them
// is retried (the scenario would then prove nothing, and fails) is 0.63^16 ≈ 0.06 %.
test('worker kill, dev server kill and a flaky carrier leave every invariant intact', async () => {
  const reports = await runChaos(world, { ordersA: 6, ordersB: 4, ordersC: 16, settleSeconds: 120, killDuringBooking: true, log: () => {} });
  const lines: string[] = [];
  printReports(reports, (l) => lines.push(l));
  console.log(lines.join('\n'));
  expect(reports.map((r) => r.scenario)).toHaveLength(3);
  for (const r of reports) {
    // The kill really happened with orders in flight, and every invariant that applies holds.
    if (!r.scenario.startsWith('c')) expect(r.notes.join(' ')).toMatch(/killed with SIGKILL while [1-9]\d* of/);
    expect(r.invariants.filter((i) => i.applicable && !i.ok).map((i) => `${r.scenario}: ${i.name}: ${i.breaches.join('; ')}`)).toEqual([]);
  }
}, 240_000);
