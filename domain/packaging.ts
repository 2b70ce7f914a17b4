/**
 * P1.5 包装准备 packaging: pick box and protection from the items' fragility, weight and size.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness.
 *
 * The rule, in order (first match wins):
 *   1. fragile AND (heavy OR crate-sized)      → wooden_crate + foam
 *   2. crate-sized (weight or longest side)    → wooden_crate + none
 *   3. fragile, fits a bubble mailer           → bubble_mailer + bubble_wrap
 *   4. fragile, too large/heavy for a mailer   → foam_box + foam
 *   5. heavy                                   → carton + none
 *   6. ordinary, fits a bubble mailer          → bubble_mailer + none
 *   7. ordinary                                → carton + none
 *
 * "Heavy" and the crate limits compare with strictly greater-than: exactly 5000 g is not heavy.
 * "Fits a mailer" is inclusive: exactly at every mailer limit still fits.
 */
import type { PackItem, PackagingChoice } from './types';

export interface PackagingRules {
  /** Total weight strictly above this (g) is heavy → carton (P1.5 重货 → 纸箱). */
  heavyGrams: number;
  /** Total weight strictly above this (g) needs a wooden crate (木箱). */
  crateGrams: number;
  /** Any item side strictly above this (mm) needs a wooden crate, whatever the weight. */
  crateLongestSideMm: number;
  /** A parcel fits a bubble mailer when total weight, longest side and total volume are all within these. */
  mailerMaxGrams: number;
  mailerMaxLongestSideMm: number;
  mailerMaxVolumeCm3: number;
}

/**
 * Defaults. The mailer limits fit a handful of blind boxes (one is about 6 × 6 × 9 cm, 330 cm³, 150 g):
 * 1 kg, 300 mm longest side, 3000 cm³.
 */
export const DEFAULT_PACKAGING_RULES: Readonly<PackagingRules> = Object.freeze({
  heavyGrams: 5000,
  crateGrams: 20000,
  crateLongestSideMm: 800,
  mailerMaxGrams: 1000,
  mailerMaxLongestSideMm: 300,
  mailerMaxVolumeCm3: 3000,
});

/** Aggregate measures of a set of items (quantities applied; lines with quantity <= 0 ignored). */
export interface ItemMeasures {
  units: number;
  totalWeightGrams: number;
  totalVolumeCm3: number;
  /** Longest side of any single item (mm): the parcel is at least this long. */
  longestSideMm: number;
  /** SKUs of fragile items, in input order, without duplicates. */
  fragileSkus: string[];
}

/** Volume of one unit in mm³ (integer arithmetic stays exact for realistic sizes). */
export function unitVolumeMm3(item: Pick<PackItem, 'lengthMm' | 'widthMm' | 'heightMm'>): number {
  return Math.max(0, item.lengthMm) * Math.max(0, item.widthMm) * Math.max(0, item.heightMm);
}

export function measureItems(items: readonly PackItem[]): ItemMeasures {
  let units = 0;
  let grams = 0;
  let mm3 = 0;
  let longest = 0;
  const fragileSkus: string[] = [];
  for (const item of items) {
    if (!(item.quantity > 0)) continue; // P1.1 rejects these; ignore rather than count negative weight
    units += item.quantity;
    grams += Math.max(0, item.weightGrams) * item.quantity;
    mm3 += unitVolumeMm3(item) * item.quantity;
    longest = Math.max(longest, item.lengthMm, item.widthMm, item.heightMm);
    if (item.fragile && !fragileSkus.includes(item.sku)) fragileSkus.push(item.sku);
  }
  return { units, totalWeightGrams: grams, totalVolumeCm3: mm3 / 1000, longestSideMm: longest, fragileSkus };
}

function withDefaults(rules: Partial<PackagingRules> | undefined): PackagingRules {
  return { ...DEFAULT_PACKAGING_RULES, ...(rules ?? {}) };
}

/** P1.5 / P2.6: total weight strictly above rules.heavyGrams (default 5000 g). */
export function isHeavy(totalGrams: number, rules: Partial<PackagingRules> = DEFAULT_PACKAGING_RULES): boolean {
  return totalGrams > withDefaults(rules).heavyGrams;
}

function skuList(skus: string[]): string {
  const shown = skus.slice(0, 3).join(', ');
  return skus.length > 3 ? `${shown} +${skus.length - 3} more` : shown;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Why the items do not fit a mailer (empty string when they do). */
function mailerMisfit(m: ItemMeasures, r: PackagingRules): string {
  const why: string[] = [];
  if (m.totalWeightGrams > r.mailerMaxGrams) why.push(`${fmt(m.totalWeightGrams)} g > ${r.mailerMaxGrams} g`);
  if (m.longestSideMm > r.mailerMaxLongestSideMm) why.push(`longest side ${fmt(m.longestSideMm)} mm > ${r.mailerMaxLongestSideMm} mm`);
  if (m.totalVolumeCm3 > r.mailerMaxVolumeCm3) why.push(`${fmt(m.totalVolumeCm3)} cm³ > ${r.mailerMaxVolumeCm3} cm³`);
  return why.join(', ');
}

/** Why the items need a wooden crate by size/weight alone (empty string when they do not). */
function crateNeed(m: ItemMeasures, r: PackagingRules): string {
  const why: string[] = [];
  if (m.totalWeightGrams > r.crateGrams) why.push(`${fmt(m.totalWeightGrams)} g > ${r.crateGrams} g`);
  if (m.longestSideMm > r.crateLongestSideMm) why.push(`longest side ${fmt(m.longestSideMm)} mm > ${r.crateLongestSideMm} mm`);
  return why.join(', ');
}

/**
 * P1.5: choose box and protection for the items of ONE parcel (call it per parcel after P1.8 splitting).
 * `rules` may override any threshold; missing ones fall back to DEFAULT_PACKAGING_RULES.
 */
export function choosePackaging(
  items: readonly PackItem[],
  rules: Partial<PackagingRules> = DEFAULT_PACKAGING_RULES,
): PackagingChoice {
  const r = withDefaults(rules);
  const m = measureItems(items);
  if (m.units === 0) {
    // Nothing to pack: return a harmless default instead of throwing inside workflow code.
    return { box: 'carton', protection: 'none', reason: 'P1.5: no items to pack → carton, no protection (default)' };
  }
  const fragile = m.fragileSkus.length > 0;
  const heavy = m.totalWeightGrams > r.heavyGrams;
  const crate = crateNeed(m, r);
  const misfit = mailerMisfit(m, r);
  const size = `${fmt(m.totalWeightGrams)} g, longest side ${fmt(m.longestSideMm)} mm, ${fmt(m.totalVolumeCm3)} cm³`;
  const fragileWhat = `fragile items (${skuList(m.fragileSkus)})`;

  if (fragile && (heavy || crate)) {
    // Fragile goods in a heavy or oversize parcel: a carton crushes, foam alone does not carry the load.
    const why = crate || `heavy: ${fmt(m.totalWeightGrams)} g > ${r.heavyGrams} g`;
    return { box: 'wooden_crate', protection: 'foam', reason: `P1.5: ${fragileWhat} and ${why} → wooden crate with foam` };
  }
  if (crate) {
    return { box: 'wooden_crate', protection: 'none', reason: `P1.5: ${crate} → wooden crate` };
  }
  if (fragile) {
    if (!misfit) {
      return {
        box: 'bubble_mailer',
        protection: 'bubble_wrap',
        reason: `P1.5: ${fragileWhat}, small and light (${size}) → bubble mailer with bubble wrap`,
      };
    }
    return { box: 'foam_box', protection: 'foam', reason: `P1.5: ${fragileWhat}, too big for a mailer (${misfit}) → foam box with foam` };
  }
  if (heavy) {
    return { box: 'carton', protection: 'none', reason: `P1.5: heavy (${fmt(m.totalWeightGrams)} g > ${r.heavyGrams} g) → carton` };
  }
  if (!misfit) {
    // Small, light, not fragile: a padded mailer is cheaper and lighter than a carton.
    return { box: 'bubble_mailer', protection: 'none', reason: `P1.5: ordinary items, small and light (${size}) → bubble mailer, no extra protection` };
  }
  return { box: 'carton', protection: 'none', reason: `P1.5: ordinary items (${misfit}) → carton, no extra protection` };
}
