/**
 * The clock training pages and the certification gate read (P4.3): certificates expire and
 * assignments fall due by it. Every time-dependent rule in domain/training.ts takes `now` as an
 * argument; this module is the one place that says what "now" is, so that a test (or a trainer
 * demonstrating recertification) can move it forward without touching the system clock.
 *
 * - BOXFLOW_CLOCK_OFFSET_MS: milliseconds added to the system clock (read on every call).
 * - setClockOffsetForTests(ms): the same from inside a test process; resetClock() undoes it.
 *
 * Sessions, CSRF and the order workflows keep the real clock: only training time moves.
 */
let testOffsetMs = 0;

function envOffsetMs(): number {
  const raw = process.env.BOXFLOW_CLOCK_OFFSET_MS;
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  return Number.isFinite(n) ? n : 0;
}

export function clockNow(): Date {
  return new Date(Date.now() + envOffsetMs() + testOffsetMs);
}

export function setClockOffsetForTests(ms: number): void {
  testOffsetMs = ms;
}

export function resetClock(): void {
  testOffsetMs = 0;
}
