/**
 * P1.9 时间安排 scheduling and P2.6 提货 pickup: carrier cut-offs drive the ship date; heavy goods get a
 * pickup window agreed with the carrier.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness, and no
 * machine time zone. Shop local time is computed from an explicit UTC offset (default UTC+8, China,
 * which has no daylight saving time). Calendar arithmetic is integer day arithmetic, no Date objects.
 */
import type { CarrierCode } from './types';
import { DEFAULT_PACKAGING_RULES, isHeavy, type PackagingRules } from './packaging';

export interface Cutoff {
  /** 0–23, shop local time */
  hour: number;
  /** 0–59 */
  minute: number;
}

/**
 * P1.9: each carrier's daily pickup cut-off in shop local time. Goods ready strictly before it leave
 * with that day's pickup. Earlier for international carriers: their export paperwork takes longer.
 */
export const DEFAULT_CUTOFFS: Readonly<Record<CarrierCode, Readonly<Cutoff>>> = Object.freeze({
  SF: Object.freeze({ hour: 18, minute: 0 }),
  YTO: Object.freeze({ hour: 17, minute: 0 }),
  DHL: Object.freeze({ hour: 16, minute: 0 }),
  FEDEX: Object.freeze({ hour: 15, minute: 30 }),
});

/** China Standard Time, UTC+8 (minutes east of UTC). */
export const DEFAULT_UTC_OFFSET_MINUTES = 480;

/** P2.6: default length of a booked pickup window for heavy shipments: 2 hours. */
export const DEFAULT_PICKUP_WINDOW_MS = 2 * 60 * 60 * 1000;

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

// ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01; H. Hinnant's algorithms) ----

export interface CivilDate {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
}

/** Days since 1970-01-01 for a civil date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date for a count of days since 1970-01-01. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** 'YYYY-MM-DD' for a civil date. */
export function formatYmd(d: CivilDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** 'UTC+08:00' style label for an offset in minutes. */
export function formatUtcOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** 'YYYY-MM-DD HH:mm' in the given local offset. */
export function formatLocal(ms: number, utcOffsetMinutes = DEFAULT_UTC_OFFSET_MINUTES): string {
  const local = ms + utcOffsetMinutes * MS_PER_MINUTE;
  const day = Math.floor(local / MS_PER_DAY);
  const minuteOfDay = Math.floor((local - day * MS_PER_DAY) / MS_PER_MINUTE);
  return `${formatYmd(civilFromDays(day))} ${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)}`;
}

function checkCutoff(c: Cutoff): void {
  if (!Number.isInteger(c.hour) || c.hour < 0 || c.hour > 23 || !Number.isInteger(c.minute) || c.minute < 0 || c.minute > 59) {
    throw new RangeError(`P1.9: invalid cut-off ${JSON.stringify(c)} (hour 0–23, minute 0–59)`);
  }
}

/**
 * P1.9: when does an order that is packed and ready at `readyAtMs` leave?
 * Ready strictly before that local day's cut-off → ships that day at the cut-off pickup;
 * ready at or after it → next local day's cut-off pickup. `shipAtMs` is the cut-off instant (UTC epoch ms).
 * Carriers are assumed to pick up every day (no weekend/holiday calendar).
 * Throws RangeError for an invalid cut-off or non-finite inputs (a configuration bug, not a business case).
 */
export function plannedShipDate(
  readyAtMs: number,
  cutoff: Cutoff,
  utcOffsetMinutes: number = DEFAULT_UTC_OFFSET_MINUTES,
): { shipAtMs: number; reason: string } {
  checkCutoff(cutoff);
  if (!Number.isFinite(readyAtMs) || !Number.isFinite(utcOffsetMinutes)) {
    throw new RangeError('P1.9: readyAtMs and utcOffsetMinutes must be finite numbers');
  }
  const offsetMs = utcOffsetMinutes * MS_PER_MINUTE;
  const localReady = readyAtMs + offsetMs;
  const localDayStart = Math.floor(localReady / MS_PER_DAY) * MS_PER_DAY;
  const cutoffOfDay = (cutoff.hour * 60 + cutoff.minute) * MS_PER_MINUTE;
  const sameDay = localReady < localDayStart + cutoffOfDay;
  const localShip = localDayStart + (sameDay ? 0 : MS_PER_DAY) + cutoffOfDay;
  const shipAtMs = localShip - offsetMs;

  const cut = `${pad(cutoff.hour)}:${pad(cutoff.minute)}`;
  const zone = formatUtcOffset(utcOffsetMinutes);
  const shipDay = formatYmd(civilFromDays(Math.floor(localShip / MS_PER_DAY)));
  const reason = sameDay
    ? `P1.9: ready ${formatLocal(readyAtMs, utcOffsetMinutes)} (${zone}), before the ${cut} cut-off → ships the same day, ${shipDay} ${cut}`
    : `P1.9: ready ${formatLocal(readyAtMs, utcOffsetMinutes)} (${zone}), at or after the ${cut} cut-off → ships the next day, ${shipDay} ${cut}`;
  return { shipAtMs, reason };
}

/**
 * P2.6: the pickup window to book with the carrier for a heavy shipment: it opens at the planned ship
 * time (the cut-off pickup from plannedShipDate) and stays open `durationMs` (default 2 h).
 */
export function pickupWindow(
  shipAtMs: number,
  durationMs: number = DEFAULT_PICKUP_WINDOW_MS,
): { earliestMs: number; latestMs: number } {
  if (!Number.isFinite(shipAtMs) || !Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError('P2.6: shipAtMs must be finite and durationMs a finite non-negative number');
  }
  return { earliestMs: shipAtMs, latestMs: shipAtMs + durationMs };
}

/** P2.6: heavy goods (same threshold as P1.5, default over 5000 g) need a pickup booked in advance. */
export function needsPickupBooking(
  totalGrams: number,
  rules: Partial<PackagingRules> = DEFAULT_PACKAGING_RULES,
): { required: boolean; reason: string } {
  const limit = { ...DEFAULT_PACKAGING_RULES, ...(rules ?? {}) }.heavyGrams;
  return isHeavy(totalGrams, rules)
    ? { required: true, reason: `P2.6: heavy shipment (${totalGrams} g > ${limit} g) → book a pickup window with the carrier` }
    : { required: false, reason: `P2.6: ${totalGrams} g ≤ ${limit} g → regular daily pickup, no booking` };
}
