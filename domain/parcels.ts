/**
 * P1.8 分拣与打包 picking and packing: split a large order into several parcels.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness.
 *
 * Algorithm: first-fit decreasing over units (one unit = one piece of quantity).
 *   - Lines with the same SKU are merged first (same product, same attributes: the first line's are kept).
 *   - Units are ordered by unit weight desc, then unit volume desc, then SKU asc (stable, so the result
 *     never depends on input order of equal units beyond the SKU tie-break).
 *   - Each unit goes into the first parcel (lowest index) where both weight and volume stay within limits;
 *     if none, a new parcel is opened.
 *   - A single unit above either limit gets a parcel of its own, flagged `oversize`; nothing else joins it.
 *   - Limits are inclusive: a parcel of exactly maxWeightGrams / maxVolumeCm3 is allowed.
 * Within a parcel, the units of one SKU form ONE PackItem (quantity summed), listed in input order.
 * Weights are item weights only: box and filler weight are not included.
 * Lines with quantity <= 0 are ignored (P1.1 rejects them earlier); non-integer quantities are floored.
 */
import type { PackItem } from './types';
import { unitVolumeMm3 } from './packaging';

export interface Parcel {
  /** 1-based, in the order parcels were opened. */
  index: number;
  items: PackItem[];
  weightGrams: number;
  volumeCm3: number;
  /** A single unit above a limit: needs special handling (crate, freight, pickup booking P2.6). */
  oversize: boolean;
}

export interface ParcelLimits {
  /** Inclusive maximum item weight per parcel (g). */
  maxWeightGrams: number;
  /** Inclusive maximum item volume per parcel (cm³). */
  maxVolumeCm3: number;
}

export const DEFAULT_PARCEL_LIMITS: Readonly<ParcelLimits> = Object.freeze({
  maxWeightGrams: 20000,
  maxVolumeCm3: 100000,
});

interface Line {
  item: PackItem;
  order: number; // position of the SKU's first line in the input
  units: number;
  grams: number; // per unit
  mm3: number; // per unit
}

interface Open {
  grams: number;
  mm3: number;
  oversize: boolean;
  counts: Map<string, number>; // sku → units in this parcel
}

/** How many more units of `line` fit in `p` (Infinity when the unit weighs and measures nothing). */
function room(p: Open, line: Line, maxGrams: number, maxMm3: number): number {
  const byWeight = line.grams > 0 ? Math.floor((maxGrams - p.grams) / line.grams) : Infinity;
  const byVolume = line.mm3 > 0 ? Math.floor((maxMm3 - p.mm3) / line.mm3) : Infinity;
  return Math.max(0, Math.min(byWeight, byVolume));
}

/**
 * P1.8: split items into parcels by weight and volume (see the module comment for the exact rule).
 * `limits` may override either limit; the other falls back to DEFAULT_PARCEL_LIMITS.
 */
export function splitIntoParcels(
  items: readonly PackItem[],
  limits: Partial<ParcelLimits> = DEFAULT_PARCEL_LIMITS,
): Parcel[] {
  const { maxWeightGrams, maxVolumeCm3 } = { ...DEFAULT_PARCEL_LIMITS, ...(limits ?? {}) };
  const maxMm3 = maxVolumeCm3 * 1000; // compare in integer mm³, so no float drift from cm³ fractions

  // Merge lines by SKU, keeping the first line's attributes and the first position.
  const bySku = new Map<string, Line>();
  items.forEach((item, i) => {
    const units = Math.floor(item.quantity);
    if (!(units > 0)) return;
    const line = bySku.get(item.sku);
    if (line) line.units += units;
    else bySku.set(item.sku, { item, order: i, units, grams: Math.max(0, item.weightGrams), mm3: unitVolumeMm3(item) });
  });

  // Decreasing: heaviest, then bulkiest first; SKU breaks ties so the result is deterministic.
  const lines = [...bySku.values()].sort(
    (a, b) => b.grams - a.grams || b.mm3 - a.mm3 || (a.item.sku < b.item.sku ? -1 : a.item.sku > b.item.sku ? 1 : 0),
  );

  const open: Open[] = [];
  for (const line of lines) {
    let left = line.units;
    if (line.grams > maxWeightGrams || line.mm3 > maxMm3) {
      // A unit that alone breaks a limit: one parcel per unit, flagged for special handling.
      for (; left > 0; left--) {
        open.push({ grams: line.grams, mm3: line.mm3, oversize: true, counts: new Map([[line.item.sku, 1]]) });
      }
      continue;
    }
    // First fit, placing as many identical units as fit at once. Same result as unit by unit: a parcel
    // with no room for one unit of this SKU stays without room for the rest of this SKU's units.
    for (const p of open) {
      if (left === 0) break;
      if (p.oversize) continue;
      const n = Math.min(left, room(p, line, maxWeightGrams, maxMm3));
      if (n > 0) add(p, line, n);
      left -= n;
    }
    while (left > 0) {
      const p: Open = { grams: 0, mm3: 0, oversize: false, counts: new Map() };
      const n = Math.min(left, room(p, line, maxWeightGrams, maxMm3));
      add(p, line, n);
      open.push(p);
      left -= n;
    }
  }

  return open.map((p, i) => ({
    index: i + 1,
    items: [...p.counts.entries()]
      .map(([sku, quantity]) => ({ line: bySku.get(sku)!, quantity }))
      .sort((a, b) => a.line.order - b.line.order)
      .map(({ line, quantity }) => ({ ...line.item, quantity })),
    weightGrams: p.grams,
    volumeCm3: p.mm3 / 1000,
    oversize: p.oversize,
  }));
}

function add(p: Open, line: Line, n: number): void {
  p.grams += line.grams * n;
  p.mm3 += line.mm3 * n;
  p.counts.set(line.item.sku, (p.counts.get(line.item.sku) ?? 0) + n);
}

/** P1.8: a one-line human-readable summary of a split, for the order timeline. */
export function describeParcels(parcels: readonly Parcel[], limits: Partial<ParcelLimits> = DEFAULT_PARCEL_LIMITS): string {
  const l = { ...DEFAULT_PARCEL_LIMITS, ...(limits ?? {}) };
  const units = parcels.reduce((s, p) => s + p.items.reduce((t, it) => t + it.quantity, 0), 0);
  const head = `P1.8: ${units} unit${units === 1 ? '' : 's'} in ${parcels.length} parcel${parcels.length === 1 ? '' : 's'} (limits ${l.maxWeightGrams} g / ${l.maxVolumeCm3} cm³ per parcel)`;
  const over = parcels
    .filter((p) => p.oversize)
    .map((p) => `parcel ${p.index} is oversize (single unit of ${p.items[0]?.sku}: ${p.weightGrams} g, ${p.volumeCm3} cm³)`);
  return over.length ? `${head}; ${over.join('; ')}` : head;
}
