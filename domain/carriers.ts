/**
 * P2.5 安排物流公司 choose a carrier: domestic → 顺丰 SF Express or 圆通 YTO; international → DHL or FedEx.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness.
 *
 * THE RULE (selectCarriers):
 *   Domestic (origin country == destination country; origin defaults to CN): SF and YTO only.
 *     SF first when the service level is express, any item is fragile, or the declared value is over
 *     the threshold for its currency (default 500 CNY; a currency without a threshold counts as high
 *     value, to be safe). Otherwise the cheaper quote first when both carriers quoted; YTO first by default
 *     and on a tie.
 *   International: DHL and FedEx only. The cheaper quote first when both quoted; otherwise (and on a tie)
 *     DHL first up to and including 2000 g, FedEx first above (DHL is usually cheaper for light
 *     express parcels from China, FedEx for heavier ones).
 * The ranked list is also the fallback order when a carrier rejects the booking (P2.4).
 */
import type { CarrierCode } from './types';

export { DEFAULT_CUTOFFS } from './scheduling';

export const CARRIER_NAMES: Readonly<Record<CarrierCode, Readonly<{ en: string; zh: string }>>> = Object.freeze({
  SF: Object.freeze({ en: 'SF Express', zh: '顺丰速运' }),
  YTO: Object.freeze({ en: 'YTO Express', zh: '圆通速递' }),
  DHL: Object.freeze({ en: 'DHL', zh: 'DHL' }),
  FEDEX: Object.freeze({ en: 'FedEx', zh: '联邦快递' }),
});

export const DOMESTIC_CARRIERS: readonly CarrierCode[] = Object.freeze(['SF', 'YTO'] as CarrierCode[]);
export const INTERNATIONAL_CARRIERS: readonly CarrierCode[] = Object.freeze(['DHL', 'FEDEX'] as CarrierCode[]);

export interface CarrierRules {
  /** The shop's country (ISO alpha-2), used when the input gives no origin. */
  defaultOriginCountry: string;
  /** Domestic: declared value strictly over this, per currency (major units), puts SF first. */
  highValueThresholds: Record<string, number>;
  /** International: at or under this weight DHL is first by default, above it FedEx. */
  dhlMaxGrams: number;
}

export const DEFAULT_CARRIER_RULES: Readonly<CarrierRules> = Object.freeze({
  defaultOriginCountry: 'CN',
  highValueThresholds: Object.freeze({ CNY: 500 }) as Record<string, number>,
  dhlMaxGrams: 2000,
});

export interface CarrierSelectionInput {
  /** ISO alpha-2; defaults to rules.defaultOriginCountry ('CN'). */
  originCountry?: string;
  destinationCountry: string;
  weightGrams: number;
  /** Major units of `currency`. */
  declaredValue: number;
  currency: string;
  fragile: boolean;
  serviceLevel: 'standard' | 'express';
  /** Price quotes per carrier (any one currency); a missing, negative or non-finite quote is ignored. */
  quotes?: Partial<Record<CarrierCode, number>>;
}

export interface CarrierSelection {
  ranked: CarrierCode[];
  reason: string;
}

const norm = (country: string | null | undefined): string => (country ?? '').trim().toUpperCase();

/**
 * P2.5: same ISO country on both ends (case-insensitive; an empty origin means the shop's country, CN).
 * HK, MO and TW are separate codes, so CN → HK is international (it goes through customs, P2.10).
 */
export function isDomestic(originCountry: string | null | undefined, destinationCountry: string | null | undefined): boolean {
  const o = norm(originCountry) || DEFAULT_CARRIER_RULES.defaultOriginCountry;
  return o === norm(destinationCountry);
}

function validQuote(q: number | undefined): q is number {
  return typeof q === 'number' && Number.isFinite(q) && q >= 0;
}

/** Cheaper first when both quoted and they differ; else null (fall back to the default order). */
function byQuote(
  a: CarrierCode,
  b: CarrierCode,
  quotes: Partial<Record<CarrierCode, number>> | undefined,
): { ranked: CarrierCode[]; why: string } | null {
  const qa = quotes?.[a];
  const qb = quotes?.[b];
  if (!validQuote(qa) || !validQuote(qb) || qa === qb) return null;
  const [first, second, qf, qs] = qa < qb ? [a, b, qa, qb] : [b, a, qb, qa];
  return { ranked: [first, second], why: `${CARRIER_NAMES[first].en} quote ${qf} < ${CARRIER_NAMES[second].en} quote ${qs}` };
}

function quoteNote(a: CarrierCode, b: CarrierCode, quotes: Partial<Record<CarrierCode, number>> | undefined): string {
  const qa = quotes?.[a];
  const qb = quotes?.[b];
  if (validQuote(qa) && validQuote(qb)) return 'equal quotes';
  return 'no quotes to compare';
}

/** P2.5: rank the carriers for a shipment; the list is the P2.4 fallback order. */
export function selectCarriers(
  input: CarrierSelectionInput,
  rules: Partial<CarrierRules> = DEFAULT_CARRIER_RULES,
): CarrierSelection {
  const r: CarrierRules = { ...DEFAULT_CARRIER_RULES, ...(rules ?? {}) };
  const origin = norm(input.originCountry) || norm(r.defaultOriginCountry);
  const dest = norm(input.destinationCountry);
  const route = `${origin} → ${dest}`;

  if (isDomestic(origin, dest)) {
    const currency = norm(input.currency);
    const threshold = r.highValueThresholds[currency];
    const why: string[] = [];
    if (input.serviceLevel === 'express') why.push('express service');
    if (input.fragile) why.push('fragile items');
    if (threshold === undefined) why.push(`declared value in ${currency || 'unknown currency'} has no threshold, treated as high value`);
    else if (input.declaredValue > threshold) why.push(`declared value ${input.declaredValue} ${currency} > ${threshold} ${currency}`);
    if (why.length) {
      // SF: faster, better handling and insurance for express, fragile and valuable collectibles.
      return { ranked: ['SF', 'YTO'], reason: `P2.5: domestic ${route}, ${why.join(', ')} → SF Express first, YTO Express as fallback` };
    }
    const cheap = byQuote('SF', 'YTO', input.quotes);
    if (cheap) {
      return {
        ranked: cheap.ranked,
        reason: `P2.5: domestic ${route}, standard and ordinary value, ${cheap.why} → ${CARRIER_NAMES[cheap.ranked[0]].en} first, ${CARRIER_NAMES[cheap.ranked[1]].en} as fallback`,
      };
    }
    return {
      ranked: ['YTO', 'SF'],
      reason: `P2.5: domestic ${route}, standard and ordinary value, ${quoteNote('SF', 'YTO', input.quotes)} → YTO Express first (cheaper by default), SF Express as fallback`,
    };
  }

  const cheap = byQuote('DHL', 'FEDEX', input.quotes);
  if (cheap) {
    return {
      ranked: cheap.ranked,
      reason: `P2.5: international ${route}, ${cheap.why} → ${CARRIER_NAMES[cheap.ranked[0]].en} first, ${CARRIER_NAMES[cheap.ranked[1]].en} as fallback`,
    };
  }
  const note = quoteNote('DHL', 'FEDEX', input.quotes);
  return input.weightGrams <= r.dhlMaxGrams
    ? {
        ranked: ['DHL', 'FEDEX'],
        reason: `P2.5: international ${route}, ${note}, ${input.weightGrams} g ≤ ${r.dhlMaxGrams} g → DHL first, FedEx as fallback`,
      }
    : {
        ranked: ['FEDEX', 'DHL'],
        reason: `P2.5: international ${route}, ${note}, ${input.weightGrams} g > ${r.dhlMaxGrams} g → FedEx first, DHL as fallback`,
      };
}
