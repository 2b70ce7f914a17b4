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

/** Integer fen (cents) as the yuan string Alipay takes: 13800 → "138.00", 5 → "0.05". Integers only, never float formatting. */
export function formatYuan(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`an amount in fen must be a whole number ≥ 0, got ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** A yuan string as Alipay sends it ("138.00", "138.5", "138") to integer fen, parsed as text; undefined when it is not one. */
export function parseYuan(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
