/**
 * Timestamps are written as ISO-8601 UTC strings: the same text sorts by time in SQLite and is read
 * as timestamptz by PostgreSQL. (Passing Date objects is not portable: the sqlite3 driver only knows
 * Dates of its own realm, and jest runs tests in another.)
 */
export function dbTime(d: Date | number = Date.now()): string {
  return new Date(d).toISOString();
}

/** SQLite returns timestamps as epoch numbers, PostgreSQL as Date: read both as ISO strings. */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'string') {
    const asNumber = Number(value);
    return Number.isFinite(asNumber) && /^\d+$/.test(value) ? new Date(asNumber).toISOString() : new Date(value).toISOString();
  }
  throw new Error(`not a timestamp: ${String(value)}`);
}

export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
