import {
  civilFromDays,
  DEFAULT_CUTOFFS,
  DEFAULT_PICKUP_WINDOW_MS,
  DEFAULT_UTC_OFFSET_MINUTES,
  daysFromCivil,
  formatLocal,
  formatUtcOffset,
  needsPickupBooking,
  pickupWindow,
  plannedShipDate,
} from '../../../domain/scheduling';

/** An instant given in China time (UTC+8). */
const cst = (y: number, mo: number, d: number, h: number, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h - 8, mi, s);

describe('defaults (P1.9)', () => {
  it('cut-offs per carrier in shop local time, UTC+8, 2 h pickup window', () => {
    expect(DEFAULT_CUTOFFS).toEqual({
      SF: { hour: 18, minute: 0 },
      YTO: { hour: 17, minute: 0 },
      DHL: { hour: 16, minute: 0 },
      FEDEX: { hour: 15, minute: 30 },
    });
    expect(DEFAULT_UTC_OFFSET_MINUTES).toBe(480);
    expect(DEFAULT_PICKUP_WINDOW_MS).toBe(7_200_000);
  });
});

describe('calendar arithmetic', () => {
  it('round-trips and matches Date.UTC across leap years and centuries', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2000, 2, 29],
      [1900, 3, 1],
      [2024, 12, 31],
      [2100, 2, 28],
      [1969, 12, 31],
    ]) {
      const days = daysFromCivil(y, m, d);
      expect(days).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
      expect(civilFromDays(days)).toEqual({ year: y, month: m, day: d });
    }
  });
  it('formats offsets and local times', () => {
    expect(formatUtcOffset(480)).toBe('UTC+08:00');
    expect(formatUtcOffset(-330)).toBe('UTC-05:30');
    expect(formatLocal(cst(2024, 5, 1, 23, 59))).toBe('2024-05-01 23:59');
    expect(formatLocal(cst(2024, 5, 1, 23, 59), 0)).toBe('2024-05-01 15:59');
  });
});

describe('plannedShipDate (P1.9)', () => {
  const SF = DEFAULT_CUTOFFS.SF;

  it('ready before the cut-off → same day at the cut-off', () => {
    expect(plannedShipDate(cst(2024, 5, 1, 17, 59, 59), SF)).toEqual({
      shipAtMs: cst(2024, 5, 1, 18),
      reason: 'P1.9: ready 2024-05-01 17:59 (UTC+08:00), before the 18:00 cut-off → ships the same day, 2024-05-01 18:00',
    });
  });

  it('ready exactly at the cut-off → next day', () => {
    expect(plannedShipDate(cst(2024, 5, 1, 18), SF)).toEqual({
      shipAtMs: cst(2024, 5, 2, 18),
      reason: 'P1.9: ready 2024-05-01 18:00 (UTC+08:00), at or after the 18:00 cut-off → ships the next day, 2024-05-02 18:00',
    });
  });

  it('uses the shop day, not the UTC day: 01:00 China time is the previous UTC day', () => {
    // 2024-05-02 01:00 CST = 2024-05-01 17:00 UTC
    expect(plannedShipDate(cst(2024, 5, 2, 1), SF).shipAtMs).toBe(cst(2024, 5, 2, 18));
  });

  it('crosses month and year ends, and leap days', () => {
    expect(plannedShipDate(cst(2024, 12, 31, 20), SF).shipAtMs).toBe(cst(2025, 1, 1, 18));
    expect(plannedShipDate(cst(2024, 2, 28, 19), SF).shipAtMs).toBe(cst(2024, 2, 29, 18));
  });

  it('handles minute cut-offs (FedEx 15:30)', () => {
    const F = DEFAULT_CUTOFFS.FEDEX;
    expect(plannedShipDate(cst(2024, 5, 1, 15, 29), F).shipAtMs).toBe(cst(2024, 5, 1, 15, 30));
    expect(plannedShipDate(cst(2024, 5, 1, 15, 30), F).shipAtMs).toBe(cst(2024, 5, 2, 15, 30));
  });

  it('honours another offset explicitly (UTC+0)', () => {
    const r = plannedShipDate(Date.UTC(2024, 4, 1, 17, 0), { hour: 18, minute: 0 }, 0);
    expect(r.shipAtMs).toBe(Date.UTC(2024, 4, 1, 18, 0));
    expect(r.reason).toContain('(UTC+00:00)');
  });

  it('rejects invalid cut-offs and inputs', () => {
    expect(() => plannedShipDate(0, { hour: 24, minute: 0 })).toThrow(RangeError);
    expect(() => plannedShipDate(0, { hour: 10, minute: 60 })).toThrow(RangeError);
    expect(() => plannedShipDate(0, { hour: 9.5, minute: 0 })).toThrow(RangeError);
    expect(() => plannedShipDate(Number.NaN, SF)).toThrow(RangeError);
  });
});

describe('pickupWindow (P2.6)', () => {
  it('opens at the ship time and lasts the duration (default 2 h)', () => {
    const ship = cst(2024, 5, 1, 18);
    expect(pickupWindow(ship)).toEqual({ earliestMs: ship, latestMs: ship + 2 * 3_600_000 });
    expect(pickupWindow(ship, 30 * 60_000)).toEqual({ earliestMs: ship, latestMs: ship + 1_800_000 });
  });
  it('rejects a negative duration', () => {
    expect(() => pickupWindow(0, -1)).toThrow(RangeError);
  });
});

describe('needsPickupBooking (P2.6)', () => {
  it('only heavy shipments (over 5000 g) need a booked pickup', () => {
    expect(needsPickupBooking(5000)).toEqual({ required: false, reason: 'P2.6: 5000 g ≤ 5000 g → regular daily pickup, no booking' });
    expect(needsPickupBooking(5001)).toEqual({
      required: true,
      reason: 'P2.6: heavy shipment (5001 g > 5000 g) → book a pickup window with the carrier',
    });
    expect(needsPickupBooking(3500, { heavyGrams: 3000 }).required).toBe(true);
  });
});
