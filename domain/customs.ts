/**
 * P2.10 国际订单 international orders: prepare the customs declaration in advance and find what would
 * make customs review fail before the parcel leaves.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness.
 *
 * Checks (each problem is one ValidationIssue, path like `lines[2].hsCode`):
 *   - at least one line; currency is 3 letters (ISO 4217 format)
 *   - description (name) not empty
 *   - quantity a positive integer; unit price (value) and unit weight positive
 *   - HS code present and 6–10 digits once dots, spaces and dashes are removed (e.g. '9503.00' → '950300')
 *   - country of origin present and 2 letters (ISO 3166-1 alpha-2 format; case-insensitive, stored upper case)
 * The declaration is built even when there are issues, so staff can see and fix it (a customs task).
 * Values are summed in cents (2 decimals) to avoid floating point drift.
 */
import type { ValidationIssue } from './types';
import { isDomestic } from './carriers';

export type ContentsType = 'merchandise' | 'gift' | 'documents' | 'sample' | 'returned_goods';
export type Incoterm = 'DDU' | 'DDP';

export interface CustomsLineInput {
  sku: string;
  name: string;
  quantity: number;
  /** Major units of the declaration currency. */
  unitPrice: number;
  /** Per unit. */
  weightGrams: number;
  hsCode?: string | null;
  countryOfOrigin?: string | null;
}

export interface CustomsDeclarationInput {
  lines: CustomsLineInput[];
  currency: string;
  /** Default 'merchandise' (a sale). */
  contentsType?: ContentsType;
  /** Default 'DDU': the recipient pays duties and taxes. */
  incoterm?: Incoterm;
}

export interface CustomsLine {
  sku: string;
  description: string;
  quantity: number;
  unitValue: number;
  /** quantity × unitValue, rounded to cents. */
  totalValue: number;
  /** quantity × unit weight. */
  weightGrams: number;
  /** Digits only, or null when missing/malformed. */
  hsCode: string | null;
  /** Upper-case alpha-2, or null when missing/malformed. */
  countryOfOrigin: string | null;
}

export interface CustomsDeclaration {
  contentsType: ContentsType;
  incoterm: Incoterm;
  currency: string;
  lines: CustomsLine[];
  /** Sum of line totals, rounded to cents. */
  declaredValue: number;
  totalWeightGrams: number;
}

export const DEFAULT_CONTENTS_TYPE: ContentsType = 'merchandise';
export const DEFAULT_INCOTERM: Incoterm = 'DDU';

/** Digits only when 6–10 digits after removing '.', ' ' and '-'; otherwise null. */
export function normalizeHsCode(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const digits = String(raw).replace(/[.\s-]/g, '');
  return /^\d{6,10}$/.test(digits) ? digits : null;
}

/** Upper-case alpha-2 when the input is two letters; otherwise null. Does not check the ISO list. */
export function normalizeCountry(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const c = String(raw).trim().toUpperCase();
  return /^[A-Z]{2}$/.test(c) ? c : null;
}

const toCents = (major: number): number => Math.round(major * 100);

/** P2.10: build the declaration and list what would fail customs review. */
export function buildCustomsDeclaration(input: CustomsDeclarationInput): {
  declaration: CustomsDeclaration;
  issues: ValidationIssue[];
} {
  const issues: ValidationIssue[] = [];
  const currency = (input.currency ?? '').trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) {
    issues.push({ path: 'currency', message: `P2.10: currency "${input.currency ?? ''}" is not a 3-letter ISO 4217 code` });
  }
  const lines = input.lines ?? [];
  if (lines.length === 0) issues.push({ path: 'lines', message: 'P2.10: a customs declaration needs at least one line' });

  let totalCents = 0;
  let totalGrams = 0;
  const out: CustomsLine[] = lines.map((l, i) => {
    const at = `lines[${i}]`;
    const what = l.sku ? ` (${l.sku})` : '';
    const description = (l.name ?? '').trim();
    if (!description) issues.push({ path: `${at}.name`, message: `P2.10: line ${i + 1}${what} has no description` });
    if (!Number.isInteger(l.quantity) || l.quantity <= 0) {
      issues.push({ path: `${at}.quantity`, message: `P2.10: line ${i + 1}${what} quantity ${l.quantity} must be a positive whole number` });
    }
    if (!Number.isFinite(l.unitPrice) || l.unitPrice <= 0) {
      // Customs treats a zero or missing value as a false declaration, even for gifts and samples.
      issues.push({ path: `${at}.unitPrice`, message: `P2.10: line ${i + 1}${what} declared value ${l.unitPrice} must be positive` });
    }
    if (!Number.isFinite(l.weightGrams) || l.weightGrams <= 0) {
      issues.push({ path: `${at}.weightGrams`, message: `P2.10: line ${i + 1}${what} weight ${l.weightGrams} g must be positive` });
    }
    const hsCode = normalizeHsCode(l.hsCode);
    if (l.hsCode == null || String(l.hsCode).trim() === '') {
      issues.push({ path: `${at}.hsCode`, message: `P2.10: line ${i + 1}${what} has no HS code` });
    } else if (!hsCode) {
      issues.push({ path: `${at}.hsCode`, message: `P2.10: line ${i + 1}${what} HS code "${l.hsCode}" is not 6–10 digits` });
    }
    const countryOfOrigin = normalizeCountry(l.countryOfOrigin);
    if (l.countryOfOrigin == null || String(l.countryOfOrigin).trim() === '') {
      issues.push({ path: `${at}.countryOfOrigin`, message: `P2.10: line ${i + 1}${what} has no country of origin` });
    } else if (!countryOfOrigin) {
      issues.push({
        path: `${at}.countryOfOrigin`,
        message: `P2.10: line ${i + 1}${what} country of origin "${l.countryOfOrigin}" is not an ISO alpha-2 code`,
      });
    }
    const quantity = Number.isFinite(l.quantity) ? l.quantity : 0;
    const unitCents = Number.isFinite(l.unitPrice) ? toCents(l.unitPrice) : 0;
    const lineCents = unitCents * quantity;
    const grams = Number.isFinite(l.weightGrams) ? l.weightGrams * quantity : 0;
    totalCents += lineCents;
    totalGrams += grams;
    return {
      sku: l.sku,
      description,
      quantity: l.quantity,
      unitValue: unitCents / 100,
      totalValue: lineCents / 100,
      weightGrams: grams,
      hsCode,
      countryOfOrigin,
    };
  });

  return {
    declaration: {
      contentsType: input.contentsType ?? DEFAULT_CONTENTS_TYPE,
      incoterm: input.incoterm ?? DEFAULT_INCOTERM,
      currency,
      lines: out,
      declaredValue: totalCents / 100,
      totalWeightGrams: totalGrams,
    },
    issues,
  };
}

/** P2.10: a shipment needs a customs declaration when it leaves the origin country (CN → HK included). */
export function needsCustoms(originCountry: string | null | undefined, destinationCountry: string | null | undefined): boolean {
  return !isDomestic(originCountry, destinationCountry);
}
