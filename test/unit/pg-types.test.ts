/**
 * Values read from PostgreSQL take the shapes SQLite gives (db/knex.ts): without this, counts and
 * decimals come back as strings and timestamps as Date objects, and code written against SQLite
 * breaks only on PostgreSQL.
 */
import { pgTypeParser } from '../../db/knex';

const parse = (oid: number, text: string) => pgTypeParser(oid, 'text')(text);

test('count(*) and sums (int8) and decimals (numeric) are numbers', () => {
  expect(parse(20, '42')).toBe(42);
  expect(parse(1700, '828.00')).toBe(828);
  expect(parse(1700, '422.500')).toBe(422.5);
});

test('timestamps are the ISO-8601 UTC text dbTime() writes, whatever the session time zone', () => {
  expect(parse(1184, '2026-11-26 14:52:49.78+00')).toBe('2026-11-26T14:52:49.780Z');
  expect(parse(1184, '2026-11-26 22:52:49.78+08')).toBe('2026-11-26T14:52:49.780Z');
  expect(parse(1114, '2026-01-02 03:04:05.678')).toBe('2026-01-02T03:04:05.678Z');
});

test('dates stay YYYY-MM-DD text (no shift to local midnight); other types keep the driver default', () => {
  expect(parse(1082, '2026-09-01')).toBe('2026-09-01');
  expect(parse(16, 't')).toBe(true); // boolean
  expect(parse(23, '7')).toBe(7); // int4
  expect(parse(25, 'text')).toBe('text');
});
