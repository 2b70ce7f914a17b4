/**
 * The warehouse floor in stations mode (P1.4, P1.5, P1.8, P2.2): what a station may tell an order,
 * and whether it is right. Pure and deterministic: the order workflow's update validators call these
 * (a wrong message is refused with the reason, nothing changes), and so do the station pages
 * (a wrong scan is refused at once, before the workflow is asked).
 */
import { Cutoff, DEFAULT_CUTOFFS, DEFAULT_UTC_OFFSET_MINUTES, formatLocal, formatUtcOffset, plannedShipDate } from './scheduling';
import type { CarrierCode, PackagingChoice } from './types';

/** How the warehouse works: `auto` (the sandbox robot; tests, bench, chaos) or `stations` (people). */
export type WarehouseMode = 'auto' | 'stations';
export const WAREHOUSE_MODES: readonly WarehouseMode[] = ['auto', 'stations'];

export type StationStep = 'pick' | 'pack' | 'handover';

export interface UnitCount {
  sku: string;
  quantity: number;
}

/**
 * P1.4 / P1.8: a picker's report must hold exactly the units of the pick list: no foreign item, no
 * extra unit, none missing. Returns the reason it is wrong, or undefined when it is right.
 */
export function pickReportProblem(expected: readonly UnitCount[], reported: readonly UnitCount[]): string | undefined {
  if (!Array.isArray(reported) || !reported.length) return 'no units were scanned';
  const want = totals(expected);
  const got = new Map<string, number>();
  for (const u of reported) {
    if (!u || typeof u.sku !== 'string' || !Number.isInteger(u.quantity) || u.quantity < 0) return 'each scanned line needs a SKU and a whole quantity';
    if (!want.has(u.sku)) return `${u.sku} is not on this order's pick list`;
    got.set(u.sku, (got.get(u.sku) ?? 0) + u.quantity);
  }
  for (const [sku, n] of want) {
    const g = got.get(sku) ?? 0;
    if (g > n) return `${sku}: ${g} scanned, the pick list has ${n}`;
    if (g < n) return `${sku}: ${g} of ${n} scanned`;
  }
  return undefined;
}

/** P1.4: damaged units must be units of the pick list, no more of a SKU than it holds. */
export function damageReportProblem(expected: readonly UnitCount[], damaged: ReadonlyArray<{ sku: string }> | undefined): string | undefined {
  if (damaged === undefined) return undefined;
  if (!Array.isArray(damaged)) return 'damaged must be a list of units';
  const want = totals(expected);
  const got = new Map<string, number>();
  for (const d of damaged) {
    if (!d || typeof d.sku !== 'string' || !want.has(d.sku)) return `a damaged ${d?.sku} is not on this order's pick list`;
    got.set(d.sku, (got.get(d.sku) ?? 0) + 1);
    if (got.get(d.sku)! > want.get(d.sku)!) return `${got.get(d.sku)} damaged ${d.sku} reported, the pick list has ${want.get(d.sku)}`;
  }
  return undefined;
}

function totals(units: readonly UnitCount[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const u of units) m.set(u.sku, (m.get(u.sku) ?? 0) + u.quantity);
  return m;
}

/** What one scan did to a pick in progress ("2 of 3"), or why it is refused. */
export type ScanResult =
  | { ok: true; sku: string; scanned: number; of: number; complete: boolean; case?: { units: number; sealed: boolean } }
  | { ok: false; reason: 'unknown_code' | 'not_on_list' | 'already_complete'; sku?: string; scanned?: number; of?: number }
  /** A whole case holds more units than are still to pick: pick single units instead. */
  | { ok: false; reason: 'case_too_many'; sku: string; scanned: number; of: number; units: number }
  /** A sealed case counts only once the picker confirms its seal intact (P1.4); a broken seal is reported as damage. */
  | { ok: false; reason: 'seal_check'; sku: string; scanned: number; of: number; units: number };

/**
 * What a barcode stands for: one unit of a SKU, or a whole case (端盒) of `units` of it. `sealed`:
 * counted only after a seal check (a case; an item sold as a sealed case).
 */
export interface ScanCode {
  sku: string;
  units: number;
  sealed: boolean;
}

function lookup(codes: ReadonlyMap<string, string | ScanCode>, code: string): ScanCode | undefined {
  const c = codes.get(code.trim()) ?? codes.get(code.trim().toUpperCase());
  if (c === undefined) return undefined;
  return typeof c === 'string' ? { sku: c, units: 1, sealed: false } : c;
}

/**
 * One scan at the pick/inspect station: a unit, or a whole case that counts all its units at once.
 * `codes` maps barcodes to SKUs (or to a {@link ScanCode}); `scanned` is what was scanned so far
 * (not changed: the new counts are returned). A code not in the catalog, an item not on the list,
 * one unit too many, or a case holding more than is still to pick is refused; a sealed case is
 * counted only with `seal: 'intact'` (the picker looked), else the answer is `seal_check`.
 */
export function applyScan(
  expected: readonly UnitCount[],
  scanned: Readonly<Record<string, number>>,
  code: string,
  codes: ReadonlyMap<string, string | ScanCode>,
  opts: { seal?: 'intact' } = {},
): { result: ScanResult; scanned: Record<string, number> } {
  const found = lookup(codes, code);
  const want = totals(expected);
  if (!found) return { result: { ok: false, reason: 'unknown_code' }, scanned: { ...scanned } };
  const { sku, units, sealed } = found;
  const of = want.get(sku);
  if (of === undefined) return { result: { ok: false, reason: 'not_on_list', sku }, scanned: { ...scanned } };
  const have = scanned[sku] ?? 0;
  if (have >= of) return { result: { ok: false, reason: 'already_complete', sku, scanned: have, of }, scanned: { ...scanned } };
  if (have + units > of) return { result: { ok: false, reason: 'case_too_many', sku, scanned: have, of, units }, scanned: { ...scanned } };
  if (sealed && opts.seal !== 'intact') return { result: { ok: false, reason: 'seal_check', sku, scanned: have, of, units }, scanned: { ...scanned } };
  const next = { ...scanned, [sku]: have + units };
  const complete = [...want].every(([s, n]) => (next[s] ?? 0) >= n);
  const isCase = units !== 1 || sealed;
  return { result: { ok: true, sku, scanned: have + units, of, complete, ...(isCase ? { case: { units, sealed } } : {}) }, scanned: next };
}

/** Empty weight of each box (grams), for the weight check at the pack station (P1.5). */
export const BOX_TARE_GRAMS: Record<PackagingChoice['box'], number> = {
  bubble_mailer: 20,
  carton: 150,
  foam_box: 200,
  wooden_crate: 2500,
};

/** The barcode printed on each box type's stock (the packer scans the box used). */
export const BOX_CODES: Record<string, PackagingChoice['box']> = {
  'BOX-MAILER': 'bubble_mailer',
  'BOX-CARTON': 'carton',
  'BOX-FOAM': 'foam_box',
  'BOX-CRATE': 'wooden_crate',
};

export function boxFromCode(code: string): PackagingChoice['box'] | undefined {
  const c = code.trim().toUpperCase();
  if (c in BOX_CODES) return BOX_CODES[c];
  return (Object.values(BOX_CODES) as string[]).includes(code.trim()) ? (code.trim() as PackagingChoice['box']) : undefined;
}

/** What a packed parcel should weigh: its items plus the box, and how far off the scale may be. */
export function expectedParcelWeight(itemsGrams: number, box: PackagingChoice['box']): { grams: number; toleranceGrams: number } {
  const grams = itemsGrams + BOX_TARE_GRAMS[box];
  // 10 % or 30 g, whichever is more: a scale, tape and filler paper, not a missing blind box (≈150 g).
  return { grams, toleranceGrams: Math.max(30, Math.round(grams * 0.1)) };
}

/** P1.5: why a pack report is wrong (unknown box, weight outside tolerance: recount), or undefined. */
export function packReportProblem(itemsGrams: number, report: { box: string; weightGrams: number }): string | undefined {
  const box = boxFromCode(String(report?.box ?? ''));
  if (!box) return `"${report?.box}" is not a box we pack in (${Object.keys(BOX_CODES).join(', ')})`;
  const w = report.weightGrams;
  if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) return 'the weight must be a positive number of grams';
  const { grams, toleranceGrams } = expectedParcelWeight(itemsGrams, box);
  if (Math.abs(w - grams) > toleranceGrams) return `the parcel weighs ${Math.round(w)} g; ${grams} g ± ${toleranceGrams} g expected in a ${box}: recount the items`;
  return undefined;
}

/** How long each station step may take before a supervisor task opens (unscaled). */
export const STATION_DEADLINES_MS: Record<StationStep, number> = {
  pick: 2 * 60 * 60 * 1000,
  pack: 2 * 60 * 60 * 1000,
  handover: 6 * 60 * 60 * 1000,
};

/**
 * Station deadlines relative to the carrier's pickup cut-off (P1.9, P2.6): not picked `pick` before
 * the cut-off, not packed `pack` before it; the hand-over is the pickup itself, and a parcel not
 * scanned out `-handover` after the cut-off has missed it. (Under BOXFLOW_TIME_SCALE ≠ 1 a clock
 * runs fast and has no real cut-offs: the fixed, scaled {@link STATION_DEADLINES_MS} apply.)
 */
export const STATION_LEAD_MS: Readonly<Record<StationStep, number>> = Object.freeze({
  pick: 4 * 60 * 60 * 1000,
  pack: 2 * 60 * 60 * 1000,
  handover: -1 * 60 * 60 * 1000,
});

/** A pick or pack deadline nearer than this is not today's to make: the step aims at the next pickup. */
export const MIN_STATION_WINDOW_MS = 30 * 60 * 1000;

export interface StationCutoffRules {
  /** How long before the cut-off each step must be done (negative: after it). */
  leadMs: Record<StationStep, number>;
  minWindowMs: number;
  /** Each carrier's daily pickup cut-off, shop local time. */
  cutoffs: Record<CarrierCode, Cutoff>;
  utcOffsetMinutes: number;
}

export const DEFAULT_STATION_CUTOFF_RULES: Readonly<StationCutoffRules> = Object.freeze({
  leadMs: { ...STATION_LEAD_MS },
  minWindowMs: MIN_STATION_WINDOW_MS,
  cutoffs: { SF: { ...DEFAULT_CUTOFFS.SF }, YTO: { ...DEFAULT_CUTOFFS.YTO }, DHL: { ...DEFAULT_CUTOFFS.DHL }, FEDEX: { ...DEFAULT_CUTOFFS.FEDEX } },
  utcOffsetMinutes: DEFAULT_UTC_OFFSET_MINUTES,
});

/**
 * When a station step is overdue: `lead` before the first pickup cut-off of `carrier` that the step
 * can still make (its deadline more than `minWindowMs` after `nowMs`; the hand-over: the pickup the
 * parcel was booked for, the first cut-off after `nowMs`). Pure and deterministic: no clock (the
 * workflow passes its own `Date.now()`), no time zone but the rules' offset.
 */
export function stationDueAt(step: StationStep, carrier: CarrierCode, nowMs: number, rules: StationCutoffRules = DEFAULT_STATION_CUTOFF_RULES): { dueAtMs: number; cutoffAtMs: number; reason: string } {
  const lead = rules.leadMs[step];
  const cutoff = rules.cutoffs[carrier];
  if (!cutoff) throw new RangeError(`no pickup cut-off for carrier ${carrier}`);
  const { shipAtMs } = plannedShipDate(nowMs + Math.max(0, lead + rules.minWindowMs), cutoff, rules.utcOffsetMinutes);
  const dueAtMs = shipAtMs - lead;
  const hours = Math.abs(lead) / 3_600_000;
  const when = lead >= 0 ? `${hours} h before` : `${hours} h after`;
  const what = { pick: 'not picked', pack: 'not packed', handover: 'not handed over' }[step];
  return { dueAtMs, cutoffAtMs: shipAtMs, reason: `${what} ${when} the ${carrier} pickup cut-off ${formatLocal(shipAtMs, rules.utcOffsetMinutes)} (${formatUtcOffset(rules.utcOffsetMinutes)})` };
}
