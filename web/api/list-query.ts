import type { ValidationIssue } from '../../domain/types';

/**
 * The filters and paging of a list endpoint (`?status&limit&offset`), checked strictly: a filter the
 * API does not know, a repeated parameter or a limit that is not a whole number in range is a 400
 * with the reason, never silently ignored (a caller would read "no such orders" as an answer).
 */
export function parseListQuery(
  query: Record<string, unknown>,
  opts: { statuses: readonly string[]; defaultLimit: number; maxLimit: number; allowed: string[] },
): { status?: string; limit: number; offset: number; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  for (const k of Object.keys(query)) {
    if (!opts.allowed.includes(k)) issues.push({ path: k, message: `is not a known parameter (known: ${opts.allowed.join(', ')})` });
    else if (typeof query[k] !== 'string') issues.push({ path: k, message: 'must be given once, as a single value' });
  }
  const str = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
  const whole = (k: string, min: number, max: number, fallback: number): number => {
    const raw = str(k);
    if (raw === undefined) return fallback;
    if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      issues.push({ path: k, message: `must be a whole number from ${min} to ${max}` });
      return fallback;
    }
    return Number(raw);
  };
  const rawStatus = str('status');
  if (rawStatus !== undefined && !opts.statuses.includes(rawStatus)) issues.push({ path: 'status', message: `must be one of ${opts.statuses.join(', ')}` });
  const limit = whole('limit', 1, opts.maxLimit, opts.defaultLimit);
  const offset = whole('offset', 0, 100_000_000, 0);
  return { status: issues.length ? undefined : rawStatus, limit, offset, issues };
}
