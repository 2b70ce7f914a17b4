import { stuckAfterMs } from '../../web/services/stuck-orders';
import { cachedFor } from '../../web/metrics';

test('the stuck threshold is 15 minutes of business time: it scales with BOXFLOW_TIME_SCALE', () => {
  expect(stuckAfterMs({}, 1)).toBe(15 * 60_000);
  expect(stuckAfterMs({}, 0.01)).toBe(9_000);
  expect(stuckAfterMs({ BOXFLOW_STUCK_AFTER_MS: '600000' }, 0.5)).toBe(300_000);
  expect(stuckAfterMs({ BOXFLOW_STUCK_AFTER_MS: 'nonsense' }, 2)).toBe(30 * 60_000);
  expect(stuckAfterMs({ BOXFLOW_TIME_SCALE: '0.1' })).toBe(90_000);
});

test('cachedFor answers from its last result until the time is up, and not from a failure', async () => {
  let t = 0;
  let calls = 0;
  const fail = { now: false };
  const f = cachedFor(1000, async () => {
    calls++;
    if (fail.now) throw new Error('down');
    return calls;
  }, () => t);
  expect(await f()).toBe(1);
  t = 999;
  expect(await f()).toBe(1);
  t = 1000;
  fail.now = true;
  await expect(f()).rejects.toThrow('down');
  fail.now = false;
  expect(await f()).toBe(3);
});
