/** Supervisor console (issue #4): the CSV formula guard and the inbox's "time left" wording. */
import { csvCell, humanDuration } from '../../web/pages/console.pages';

test('CSV cells are quoted, and a cell a spreadsheet would run as a formula starts with an apostrophe', () => {
  expect(csvCell('restock arrived')).toBe('"restock arrived"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${lead}SUM(A1)`)).toBe(`"'${lead}SUM(A1)"`);
  expect(csvCell(null)).toBe('""');
  expect(csvCell(42)).toBe('"42"');
});

test('durations read naturally in both languages', () => {
  expect(humanDuration(45_000, 'en')).toBe('45 s');
  expect(humanDuration(5 * 60_000, 'en')).toBe('5 min');
  expect(humanDuration(80 * 60_000, 'en')).toBe('1 h 20 min');
  expect(humanDuration(-80 * 60_000, 'en')).toBe('1 h 20 min');
  expect(humanDuration(26 * 3600_000, 'en')).toBe('1 d 2 h');
  expect(humanDuration(80 * 60_000, 'zh')).toBe('1小时20分');
  expect(humanDuration(5 * 60_000, 'zh')).toBe('5分钟');
});
