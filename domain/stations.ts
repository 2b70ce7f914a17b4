/**
 * The warehouse floor in stations mode (P1.4, P1.5, P1.8, P2.2): what a station may tell an order,
 * and whether it is right. Pure and deterministic: the order workflow's update validators call these
 * (a wrong message is refused with the reason, nothing changes), and so do the station pages
 * (a wrong scan is refused at once, before the workflow is asked).
 */
import type { PackagingChoice } from './types';

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
  | { ok: true; sku: string; scanned: number; of: number; complete: boolean }
  | { ok: false; reason: 'unknown_code' | 'not_on_list' | 'already_complete'; sku?: string; scanned?: number; of?: number };

/**
 * One unit scanned at the pick/inspect station. `codes` maps barcodes to SKUs; `scanned` is what
 * was scanned so far (not changed: the new counts are returned). A code not in the catalog, an item
 * not on the list, or one unit too many is refused.
 */
export function applyScan(expected: readonly UnitCount[], scanned: Readonly<Record<string, number>>, code: string, codes: ReadonlyMap<string, string>): { result: ScanResult; scanned: Record<string, number> } {
  const sku = codes.get(code.trim()) ?? (codes.has(code.trim().toUpperCase()) ? codes.get(code.trim().toUpperCase()) : undefined);
  const want = totals(expected);
  if (!sku) return { result: { ok: false, reason: 'unknown_code' }, scanned: { ...scanned } };
  const of = want.get(sku);
  if (of === undefined) return { result: { ok: false, reason: 'not_on_list', sku }, scanned: { ...scanned } };
  const have = scanned[sku] ?? 0;
  if (have >= of) return { result: { ok: false, reason: 'already_complete', sku, scanned: have, of }, scanned: { ...scanned } };
  const next = { ...scanned, [sku]: have + 1 };
  const complete = [...want].every(([s, n]) => (next[s] ?? 0) >= n);
  return { result: { ok: true, sku, scanned: have + 1, of, complete }, scanned: next };
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
