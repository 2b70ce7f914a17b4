import { DEFAULT_STATION_CUTOFF_RULES, stationDueAt } from '../../../domain/stations';

// Shop local time is UTC+8: 2026-12-03 09:00 local is 01:00 UTC.
const local = (ymdhm: string) => Date.parse(`${ymdhm.replace(' ', 'T')}:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();

describe('station deadlines relative to the carrier pickup cut-off', () => {
  test('an order in the morning: not picked 4 h, not packed 2 h before today’s cut-off', () => {
    const now = local('2026-12-03 09:00');
    expect(iso(stationDueAt('pick', 'SF', now).dueAtMs)).toBe(iso(local('2026-12-03 14:00'))); // SF 18:00
    expect(iso(stationDueAt('pack', 'SF', now).dueAtMs)).toBe(iso(local('2026-12-03 16:00')));
    expect(iso(stationDueAt('pick', 'FEDEX', now).dueAtMs)).toBe(iso(local('2026-12-03 11:30'))); // FedEx 15:30
    expect(iso(stationDueAt('pack', 'YTO', now).dueAtMs)).toBe(iso(local('2026-12-03 15:00'))); // YTO 17:00
    expect(stationDueAt('pack', 'SF', now).reason).toBe('not packed 2 h before the SF pickup cut-off 2026-12-03 18:00 (UTC+08:00)');
  });

  test('too late for today’s pickup: the step aims at tomorrow’s', () => {
    // 13:45: picking by SF's 14:00 would leave 15 minutes, less than the 30-minute minimum.
    const now = local('2026-12-03 13:45');
    const due = stationDueAt('pick', 'SF', now);
    expect(iso(due.dueAtMs)).toBe(iso(local('2026-12-04 14:00')));
    expect(iso(due.cutoffAtMs)).toBe(iso(local('2026-12-04 18:00')));
    // Packing still makes today's: 16:00 is more than 30 minutes away.
    expect(iso(stationDueAt('pack', 'SF', now).dueAtMs)).toBe(iso(local('2026-12-03 16:00')));
    // 31 minutes before the deadline still makes it; exactly 30 does not.
    expect(iso(stationDueAt('pick', 'SF', local('2026-12-03 13:29')).dueAtMs)).toBe(iso(local('2026-12-03 14:00')));
    expect(iso(stationDueAt('pick', 'SF', local('2026-12-03 13:30')).dueAtMs)).toBe(iso(local('2026-12-04 14:00')));
    // After the cut-off, even packing waits for tomorrow's pickup.
    expect(iso(stationDueAt('pack', 'SF', local('2026-12-03 19:10')).dueAtMs)).toBe(iso(local('2026-12-04 16:00')));
  });

  test('the hand-over: the pickup the parcel was booked for, missed an hour after its cut-off', () => {
    expect(iso(stationDueAt('handover', 'YTO', local('2026-12-03 16:50')).dueAtMs)).toBe(iso(local('2026-12-03 18:00')));
    expect(iso(stationDueAt('handover', 'YTO', local('2026-12-03 17:00')).dueAtMs)).toBe(iso(local('2026-12-04 18:00')));
    expect(stationDueAt('handover', 'YTO', local('2026-12-03 16:50')).reason).toBe('not handed over 1 h after the YTO pickup cut-off 2026-12-03 17:00 (UTC+08:00)');
  });

  test('across a month and a year end, in the shop’s own offset', () => {
    expect(iso(stationDueAt('pick', 'DHL', local('2026-12-31 20:00')).dueAtMs)).toBe(iso(local('2027-01-01 12:00'))); // DHL 16:00
    const utc = { ...DEFAULT_STATION_CUTOFF_RULES, utcOffsetMinutes: 0 };
    expect(iso(stationDueAt('pack', 'SF', Date.parse('2026-12-03T09:00:00Z'), utc).dueAtMs)).toBe('2026-12-03T16:00:00.000Z');
  });

  test('the deadline is always ahead of now, by at least the minimum window for pick and pack', () => {
    for (let m = 0; m < 24 * 60; m += 7) {
      const now = local('2026-12-03 00:00') + m * 60_000;
      for (const c of ['SF', 'YTO', 'DHL', 'FEDEX'] as const) {
        for (const step of ['pick', 'pack'] as const) {
          const d = stationDueAt(step, c, now);
          expect(d.dueAtMs - now).toBeGreaterThan(DEFAULT_STATION_CUTOFF_RULES.minWindowMs);
          expect(d.dueAtMs - now).toBeLessThanOrEqual(24 * 3600_000 + DEFAULT_STATION_CUTOFF_RULES.minWindowMs);
          expect(d.cutoffAtMs - d.dueAtMs).toBe(DEFAULT_STATION_CUTOFF_RULES.leadMs[step]);
        }
        // Same input, same answer (no clock inside).
        expect(stationDueAt('pick', c, now)).toEqual(stationDueAt('pick', c, now));
      }
    }
  });

  test('a carrier without a cut-off is a configuration error', () => {
    expect(() => stationDueAt('pick', 'XX' as 'SF', Date.now())).toThrow(RangeError);
  });
});
