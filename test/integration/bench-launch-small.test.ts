/**
 * `npm run bench:launch` in small: the launch-day benchmark (scripts/bench-launch.ts) run end to end
 * as a process, with its own dev server, web process and worker, 8 orders for 3 units of the
 * `limited` SKU. Not a speed test (no figure is asserted): it keeps the script working, since a
 * benchmark that no longer starts is found only on the day its figures are wanted (the web
 * process's longer operator-key rule once stopped it without any test noticing).
 *
 * The bench checks its own ledger and Temporal agreement in its own database (db/ledger.ts); this
 * file places no order in the shared test database, so it has no expectLedgerHolds of its own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';

let child: ChildProcess | undefined;
afterAll(() => {
  // A run cut short by the test's timeout must not outlive jest (its own dev server stops with it).
  if (child && child.exitCode === null) child.kill('SIGINT');
});

const script = path.resolve(__dirname, '..', '..', 'dist', 'scripts', 'bench-launch.js');

test('the launch bench settles every order, ships exactly the limited units and opens no task', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'launch-small-')), 'launch.json');
  const args = [script, '--orders', '8', '--limited-units', '3', '--window', '3', '--clients', '4', '--settle-minutes', '8', '--out', out];
  const stderr: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    // The bench sets up its own world: none of the test harness's settings (time scale, warehouse
    // mode, database, Temporal address, jest's NODE_ENV=test that silences the web log the bench
    // waits on) may leak into its processes.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(BOXFLOW_|TEMPORAL_|DATABASE_URL|PG|NODE_ENV|JEST_)/.test(k)));
    child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    child.stderr!.on('data', (b: Buffer) => stderr.push(b.toString()));
    child.on('exit', resolve);
  });
  if (code !== 0) console.log(stderr.join('').slice(-4000));
  expect(code).toBe(0);
  const summary = JSON.parse(fs.readFileSync(out, 'utf8'));
  expect(summary.failures).toEqual([]);
  expect(summary.burst).toMatchObject({ posted: 8, refused: 0 });
  expect(summary.settle.allSettled).toBe(true);
  expect(summary.limited).toMatchObject({ units: 3, unitsShipped: 3, exactlyAllShipped: true, linesRefundedAtSellOut: 5, soldOutEvents: 5 });
  expect(summary.limited.stockAfter).toEqual({ onHand: 0, reserved: 0 });
  // Who got the units is reported, not required (Temporal does not promise the order of starts).
  const served = summary.limited.servedInOrder;
  expect(served.ofTheFirst).toBe(3);
  expect(served.gotAUnit).toBeGreaterThanOrEqual(0);
  expect(served.gotAUnit).toBeLessThanOrEqual(3);
  expect(served.latestPositionServed).toBeGreaterThanOrEqual(3);
  expect(served.latestPositionServed).toBeLessThanOrEqual(8);
  expect(summary.tasks.opened).toBe(0);
  expect(summary.refunds.count).toBe(5);
  const breached = summary.invariants.filter((i: { ok: boolean; applicable: boolean }) => i.applicable && !i.ok);
  expect(breached).toEqual([]);
  expect(summary.invariants.length).toBeGreaterThan(5);
}, 600_000);
