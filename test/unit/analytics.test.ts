/** P4.1 analytics: the pure figures against a fixture computed by hand (arithmetic in the fixture file). */
import { computeAnalytics, csvCell, median, nearestRank, parseWindow, toCsv } from '../../domain/analytics';
import * as F from '../support/analytics-fixture';

const rows = { orders: F.orders, statusEvents: F.statusEvents, lines: F.lines, shipments: F.shipments, returnLines: F.returnLines, tasks: F.tasks };

test('every figure equals the hand-computed one', () => {
  expect(computeAnalytics(F.WINDOW, rows)).toEqual(F.EXPECTED);
});

describe('building blocks', () => {
  test('nearest-rank percentiles', () => {
    // [2, 4, 10, 24, 32]: p50 → rank ⌈2.5⌉ = 3 → 10; p90 → rank ⌈4.5⌉ = 5 → 32; p10 → rank ⌈0.5⌉ = 1 → 2.
    expect(nearestRank([32, 2, 24, 10, 4], 50)).toBe(10);
    expect(nearestRank([32, 2, 24, 10, 4], 90)).toBe(32);
    expect(nearestRank([32, 2, 24, 10, 4], 10)).toBe(2);
    // Four values: p50 → rank 2 (no interpolation).
    expect(nearestRank([1, 2, 3, 4], 50)).toBe(2);
    expect(nearestRank([], 50)).toBeNull();
  });

  test('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([6, 0.5, 2])).toBe(2);
    expect(median([4, 1])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  test('an order shipped without a paid event is counted apart, not as 0 h', () => {
    const r = computeAnalytics(F.WINDOW, { ...rows, statusEvents: rows.statusEvents.filter((e) => e.orderNo !== 'AF4') });
    // Left: [4, 10, 24, 32] → p50 rank 2 = 10, p90 rank ⌈3.6⌉ = 4 = 32.
    expect(r.orderToShip).toEqual({ count: 4, withoutPayment: 1, p50Hours: 10, p90Hours: 32 });
  });

  test('nothing in the window: counts 0, figures null', () => {
    const r = computeAnalytics(F.WINDOW, { orders: [], statusEvents: [], lines: [], shipments: [], returnLines: [], tasks: [] });
    expect(r.orderToShip).toEqual({ count: 0, withoutPayment: 0, p50Hours: null, p90Hours: null });
    expect(r.onTimeShip).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(r.carriers).toEqual([]);
  });

  test('a returned SKU that shipped nothing in the window has rate null, not Infinity', () => {
    const r = computeAnalytics(F.WINDOW, { ...rows, returnLines: [...rows.returnLines, { orderNo: 'AF6', sku: 'PL-LABUBU-30', quantity: 1 }] });
    expect(r.returnsBySku.find((x) => x.sku === 'PL-LABUBU-30')).toEqual({ sku: 'PL-LABUBU-30', shippedUnits: 0, returnedUnits: 1, returnRate: null });
  });
});

describe('window', () => {
  // 2025-06-10T03:00Z is 2025-06-10 11:00 in Shanghai.
  const now = Date.parse('2025-06-10T03:00:00Z');

  test('default: the last 30 days up to today, in shop time', () => {
    const r = parseWindow({}, now);
    expect(r).toEqual({ ok: true, window: { from: '2025-05-12', to: '2025-06-10', days: 30, fromTs: '2025-05-11T16:00:00.000Z', toTs: '2025-06-10T16:00:00.000Z' } });
  });

  test('a shop day begins at 16:00 UTC the day before', () => {
    // 2025-06-09T17:00Z is already 2025-06-10 01:00 in Shanghai.
    const r = parseWindow({}, Date.parse('2025-06-09T17:00:00Z'));
    expect(r.ok && r.window.to).toBe('2025-06-10');
  });

  test('explicit window, both days inclusive', () => {
    expect(parseWindow({ from: '2025-03-01', to: '2025-03-31' }, now)).toEqual({
      ok: true,
      window: { from: '2025-03-01', to: '2025-03-31', days: 31, fromTs: '2025-02-28T16:00:00.000Z', toTs: '2025-03-31T16:00:00.000Z' },
    });
    expect(parseWindow({ from: '2024-01-01', to: '2024-12-31' }, now)).toMatchObject({ ok: true, window: { days: 366 } });
  });

  test.each([
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2025-02-30' }, 'to'],
    [{ from: '2025-3-1' }, 'from'],
    [{ from: ['2025-03-01', '2025-03-02'] }, 'from'],
    [{ from: '2025-03-02', to: '2025-03-01' }, 'from'],
    [{ from: '2024-01-01', to: '2025-01-01' }, 'to'], // 367 days
    [{ from: '2025-03-01T00:00:00Z' }, 'from'],
  ])('%j is refused', (query, path) => {
    const r = parseWindow(query, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});

describe('CSV', () => {
  test('cells: RFC 4180 quoting, formula prefixes neutralised', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });

  test('one section per metric with the figures', () => {
    const csv = toCsv(F.EXPECTED);
    const lines = csv.split('\r\n');
    for (const s of ['window', 'order_to_ship', 'on_time_ship', 'carriers', 'returns_by_sku', 'stockouts_by_sku', 'late_skus', 'tasks_by_kind']) expect(lines).toContain(`# ${s}`);
    expect(lines).toContain('5,0,10,32');
    expect(lines).toContain('3,4,0.75');
    expect(lines).toContain('SF,3,1,0.3333,3,36');
    expect(lines).toContain('BB-MOLLY-SPACE,7,1,0.1429');
    expect(lines).toContain('sla_at_risk,4,3,2,2.83');
  });
});
