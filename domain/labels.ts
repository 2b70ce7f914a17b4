/**
 * P1.6 标签与标识 labels: the product label must be complete (name, spec, production date, shelf life),
 * or the platform rejects it and returns follow.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness, no time zone.
 * Dates are calendar dates 'YYYY-MM-DD' handled with integer day arithmetic.
 *
 * Rules:
 *   - name and spec: always required (non-blank).
 *   - production date and shelf life: required when the SKU has a shelf life (shelfLifeDays > 0) or is
 *     flagged requiresDateLabel (e.g. candy / food-grade toys). shelfLifeDays null, undefined or 0 means
 *     "no shelf life" (0 is how catalog exports often write "not applicable").
 *   - best-before = production date + shelfLifeDays days (produced 2024-01-01, 30 days → 2024-01-31).
 *   - a production date that is not a real calendar date, or a negative / fractional shelf life, counts
 *     as missing when required, and is reported in `issues` either way.
 */
import type { ValidationIssue } from './types';
import { civilFromDays, daysFromCivil, formatYmd } from './scheduling';

export interface LabelSource {
  sku: string;
  name: string | null | undefined;
  nameZh?: string | null;
  spec: string | null | undefined;
  productionDate?: string | null;
  shelfLifeDays?: number | null;
  requiresDateLabel?: boolean;
}

export interface ProductLabel {
  sku: string;
  name: string;
  nameZh: string | null;
  spec: string;
  /** Whether this SKU must carry production date and shelf life. */
  dateLabelRequired: boolean;
  productionDate: string | null;
  shelfLifeDays: number | null;
  /** production date + shelf life, 'YYYY-MM-DD'; null unless both are valid. */
  bestBefore: string | null;
}

export type LabelField = 'name' | 'spec' | 'productionDate' | 'shelfLifeDays';

/** Days since 1970-01-01 for a strict, real 'YYYY-MM-DD' date; null otherwise (e.g. '2023-02-29'). */
export function parseYmd(ymd: string | null | undefined): number | null {
  if (typeof ymd !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.year === year && back.month === month && back.day === day ? days : null;
}

/** 'YYYY-MM-DD' plus a whole number of days; null when the date is invalid. */
export function addDaysYmd(ymd: string, days: number): string | null {
  const d = parseYmd(ymd);
  if (d === null || !Number.isInteger(days)) return null;
  return formatYmd(civilFromDays(d + days));
}

const blank = (s: string | null | undefined): boolean => typeof s !== 'string' || s.trim() === '';

/** P1.6: build the product label and list the required fields that are missing or invalid. */
export function buildProductLabel(item: LabelSource): {
  label: ProductLabel;
  missing: LabelField[];
  issues: ValidationIssue[];
  reason: string;
} {
  const missing: LabelField[] = [];
  const issues: ValidationIssue[] = [];
  const lack = (field: LabelField, message: string): void => {
    missing.push(field);
    issues.push({ path: field, message: `P1.6: ${item.sku}: ${message}` });
  };

  if (blank(item.name)) lack('name', 'product name is missing');
  if (blank(item.spec)) lack('spec', 'spec (规格) is missing');

  const rawShelf = item.shelfLifeDays;
  const hasShelfLife = typeof rawShelf === 'number' && rawShelf !== 0;
  const required = hasShelfLife || item.requiresDateLabel === true;
  const reason = !required
    ? 'P1.6: no shelf life and no date label flag → name and spec only'
    : hasShelfLife
      ? `P1.6: SKU has a shelf life (${rawShelf} days) → production date and shelf life required`
      : 'P1.6: SKU flagged for a date label (e.g. candy / food-grade) → production date and shelf life required';

  // Production date: validate whenever given, require only when dates are required.
  let productionDate: string | null = null;
  if (blank(item.productionDate)) {
    if (required) lack('productionDate', 'production date is missing');
  } else if (parseYmd(item.productionDate) === null) {
    const msg = `production date "${item.productionDate}" is not a valid YYYY-MM-DD date`;
    if (required) lack('productionDate', msg);
    else issues.push({ path: 'productionDate', message: `P1.6: ${item.sku}: ${msg}` });
  } else {
    productionDate = item.productionDate!.trim();
  }

  let shelfLifeDays: number | null = null;
  if (typeof rawShelf === 'number' && rawShelf !== 0) {
    if (Number.isInteger(rawShelf) && rawShelf > 0) shelfLifeDays = rawShelf;
    else lack('shelfLifeDays', `shelf life ${rawShelf} days must be a positive whole number`);
  } else if (required) {
    lack('shelfLifeDays', 'shelf life is missing');
  }

  const bestBefore = productionDate !== null && shelfLifeDays !== null ? addDaysYmd(productionDate, shelfLifeDays) : null;

  return {
    label: {
      sku: item.sku,
      name: blank(item.name) ? '' : item.name!.trim(),
      nameZh: blank(item.nameZh) ? null : item.nameZh!.trim(),
      spec: blank(item.spec) ? '' : item.spec!.trim(),
      dateLabelRequired: required,
      productionDate,
      shelfLifeDays,
      bestBefore,
    },
    missing,
    issues,
    reason,
  };
}
