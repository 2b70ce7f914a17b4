/**
 * Issue 15: the restock wait's time limit (back_order_overdue task): how the order's policy fixes
 * it, when it falls due, and the supervisor's per-SKU summary of orders waiting for restock.
 */
import { loadSettings } from '../../../config/settings';
import { buildPolicy, DEFAULT_POLICY } from '../../../domain/policy';
import { backOrderOverdueInMs, restockWaitSummary } from '../../../domain/stockout';
import { TASK_KINDS } from '../../../domain/tasks';

const DAY = 24 * 60 * 60 * 1000;

describe('back-order overdue time in the policy', () => {
  it('defaults to 14 days, scaled like every other duration', () => {
    expect(buildPolicy({ timeScale: 1 }).backOrderTaskAfterMs).toBe(14 * DAY);
    expect(buildPolicy({ timeScale: 0.001 }).backOrderTaskAfterMs).toBe(Math.round(14 * DAY * 0.001));
    expect(buildPolicy({ timeScale: 0.5, backOrderTaskAfterDays: 3 }).backOrderTaskAfterMs).toBe(1.5 * DAY);
  });

  it('refuses a time that is not a positive number of days', () => {
    expect(() => buildPolicy({ timeScale: 1, backOrderTaskAfterDays: 0 })).toThrow(/positive/);
    expect(() => buildPolicy({ timeScale: 1, backOrderTaskAfterDays: Number.NaN })).toThrow(/positive/);
  });

  it('is absent from the policy of orders started without one (they never open the task)', () => {
    expect(DEFAULT_POLICY.backOrderTaskAfterMs).toBeUndefined();
    expect(DEFAULT_POLICY.paymentDeadlineMs).toBe(buildPolicy({ timeScale: 1 }).paymentDeadlineMs);
  });

  it('is read from BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS', () => {
    expect(loadSettings({}).backOrderTaskAfterDays).toBeUndefined();
    expect(loadSettings({ BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS: '21' }).backOrderTaskAfterDays).toBe(21);
    expect(() => loadSettings({ BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS: '-1' })).toThrow(/BOXFLOW_BACK_ORDER_TASK_AFTER_DAYS/);
  });

  it('the task kind defaults to keep waiting, so a task nobody answers cannot stay open', () => {
    const spec = TASK_KINDS.back_order_overdue;
    expect(spec.defaultOption).toBe('keep_waiting');
    expect(spec.options).toEqual(['keep_waiting', 'cancel_waiting_lines', 'cancel_order']);
    expect(spec.deadlineMs).toBeLessThan(14 * DAY);
  });
});

describe('backOrderOverdueInMs', () => {
  it('counts down from the start of the wait and is due at the limit, not before', () => {
    const since = Date.UTC(2026, 0, 1);
    expect(backOrderOverdueInMs(since, 14 * DAY, since)).toBe(14 * DAY);
    expect(backOrderOverdueInMs(since, 14 * DAY, since + 14 * DAY - 1)).toBe(1);
    expect(backOrderOverdueInMs(since, 14 * DAY, since + 14 * DAY)).toBe(0);
    expect(backOrderOverdueInMs(since, 14 * DAY, since + 15 * DAY)).toBe(-DAY);
  });
});

describe('restockWaitSummary', () => {
  it('counts orders (once per order) and units per SKU, most orders first', () => {
    expect(
      restockWaitSummary([
        { sku: 'B', orderNo: 'O1', quantity: 1 },
        { sku: 'A', orderNo: 'O1', quantity: 2 },
        { sku: 'A', orderNo: 'O1', quantity: 1 },
        { sku: 'A', orderNo: 'O2', quantity: 1 },
        { sku: 'C', orderNo: 'O3', quantity: 5 },
      ]),
    ).toEqual([
      { sku: 'A', orders: 2, units: 4 },
      { sku: 'B', orders: 1, units: 1 },
      { sku: 'C', orders: 1, units: 5 },
    ]);
    expect(restockWaitSummary([])).toEqual([]);
  });
});
