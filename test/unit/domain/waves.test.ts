import { buildWaves, compareBins, FloorOrder, parseWaveKey, pickList, waveOf, wavesBehindOnPacking } from '../../../domain/waves';

// 2026-12-03 08:00 UTC = 16:00 in Shanghai: FedEx (15:30) has left, YTO (17:00) and SF (18:00) have not.
const NOW = Date.UTC(2026, 11, 3, 8, 0);

const order = (orderNo: string, carrier: FloorOrder['carrier'], step: FloorOrder['step'], lines: Array<[string, number, string | null]>): FloorOrder => ({
  orderNo,
  carrier,
  step,
  since: null,
  due: null,
  lines: lines.map(([sku, quantity, bin]) => ({ sku, name: sku, quantity, bin, barcode: null })),
});

test('a wave is a carrier and its next cut-off (local time, UTC+8)', () => {
  expect(waveOf('YTO', NOW)).toEqual({ key: '2026-12-03:YTO', cutoffAtMs: Date.UTC(2026, 11, 3, 9, 0), cutoffLabel: '2026-12-03 17:00' });
  expect(waveOf('FEDEX', NOW).key).toBe('2026-12-04:FEDEX');
});

test('waves sort by cut-off, the most urgent first, and count each station', () => {
  const waves = buildWaves(
    [
      order('O1', 'SF', 'pick', [['A', 2, 'A-01-1']]),
      order('O2', 'YTO', 'pack', [['B', 1, 'B-01-1']]),
      order('O3', 'FEDEX', 'pick', [['C', 1, null]]),
      order('O4', 'YTO', 'pick', [['D', 3, 'A-02-1']]),
    ],
    NOW,
  );
  expect(waves.map((w) => w.key)).toEqual(['2026-12-03:YTO', '2026-12-03:SF', '2026-12-04:FEDEX']);
  expect(waves[0].counts).toEqual({ pick: 1, pack: 1, handover: 0 });
  expect(waves[0].units).toBe(4);
  expect(waves[0].orders.map((o) => o.orderNo)).toEqual(['O4', 'O2']);
});

test('a pick list walks the bins in order (numeric, not text), items without a bin last', () => {
  expect(['A-10-1', null, 'A-02-1', 'B-01-1', 'A-02-10', 'A-02-2'].sort(compareBins)).toEqual(['A-02-1', 'A-02-2', 'A-02-10', 'A-10-1', 'B-01-1', null]);
  const rows = pickList({
    orders: [
      order('O1', 'YTO', 'pick', [['Z', 1, 'B-01-1'], ['Y', 1, null]]),
      order('O2', 'YTO', 'pick', [['X', 2, 'A-10-1'], ['Z', 1, 'B-01-1']]),
      order('O3', 'YTO', 'pack', [['W', 1, 'A-01-1']]),
    ],
  });
  expect(rows.map((r) => `${r.bin}:${r.sku}:${r.orderNo}`)).toEqual(['A-10-1:X:O2', 'B-01-1:Z:O1', 'B-01-1:Z:O2', 'null:Y:O1']);
});

test('a wave key has the shape date:carrier, with a real date and a carrier we ship with', () => {
  expect(parseWaveKey(waveOf('YTO', NOW).key)).toEqual({ date: '2026-12-03', carrier: 'YTO' });
  expect(parseWaveKey('2028-02-29:FEDEX')).toEqual({ date: '2028-02-29', carrier: 'FEDEX' });
  for (const bad of ['2026-02-29:SF', '2026-13-01:SF', '2026-00-10:SF', '2026-12-00:SF', '2026-12-32:SF', '2100-02-29:SF', '2026-12-03:UPS', '2026-12-03:sf', '2026-12-03', ':SF', '2026-12-03:SF ', ' 2026-12-03:SF', '2026-12-03:constructor', '999999', '', '<script>', '\u0000', 20261203, null, undefined, ['2026-12-03:SF']]) {
    expect([bad, parseWaveKey(bad)]).toEqual([bad, undefined]);
  }
});

test('a wave is behind once its pack-by time (2 h before the cut-off) has passed with orders not packed', () => {
  const orders = [
    order('O1', 'YTO', 'pick', [['A', 1, null]]),
    order('O2', 'YTO', 'pack', [['B', 1, null]]),
    order('O3', 'YTO', 'handover', [['C', 1, null]]),
    order('O4', 'SF', 'pick', [['D', 1, null]]),
  ];
  // 16:00 local: YTO leaves at 17:00 (pack-by 15:00, passed), SF at 18:00 (pack-by 16:00, due now).
  expect(wavesBehindOnPacking(buildWaves(orders, NOW), NOW)).toEqual([
    { key: '2026-12-03:YTO', carrier: 'YTO', cutoffAtMs: Date.UTC(2026, 11, 3, 9, 0), notPacked: 2 },
    { key: '2026-12-03:SF', carrier: 'SF', cutoffAtMs: Date.UTC(2026, 11, 3, 10, 0), notPacked: 1 },
  ]);
  // 14:59 local: nothing is behind yet.
  const early = NOW - 61 * 60_000;
  expect(wavesBehindOnPacking(buildWaves(orders, early), early)).toEqual([]);
  // Only parcels waiting for the courier: packed, nothing behind.
  expect(wavesBehindOnPacking(buildWaves([orders[2]], NOW), NOW)).toEqual([]);
});
