/**
 * Money as numbers with 2 decimals. Arithmetic happens in integer cents so that 0.1 + 0.2 style
 * errors never decide whether a refund fits.
 */
export function toCents(amount: number): number {
  // toPrecision first: 1.005 * 100 is 100.49999999999999 in binary floating point.
  return Math.round(Number((amount * 100).toPrecision(12)));
}

export function fromCents(cents: number): number {
  return cents / 100;
}

export function roundToCents(amount: number): number {
  return fromCents(toCents(amount));
}
