import { addDaysYmd, buildProductLabel, parseYmd, type LabelSource } from '../../../domain/labels';

function src(over: Partial<LabelSource> = {}): LabelSource {
  return { sku: 'BB-01', name: 'Space Bear blind box', spec: '1 figure, 6 × 6 × 9 cm', ...over };
}

describe('date helpers', () => {
  it('parses only real YYYY-MM-DD dates', () => {
    expect(parseYmd('1970-01-02')).toBe(1);
    expect(parseYmd('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
    expect(parseYmd('2023-02-29')).toBeNull();
    expect(parseYmd('2024-13-01')).toBeNull();
    expect(parseYmd('2024-4-01')).toBeNull();
    expect(parseYmd('01/04/2024')).toBeNull();
    expect(parseYmd(null)).toBeNull();
  });
  it('adds days across months, leap years and year ends', () => {
    expect(addDaysYmd('2024-01-01', 30)).toBe('2024-01-31');
    expect(addDaysYmd('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDaysYmd('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDaysYmd('2024-12-15', 365)).toBe('2025-12-15');
    expect(addDaysYmd('2024-01-01', 1.5)).toBeNull();
    expect(addDaysYmd('nope', 1)).toBeNull();
  });
});

describe('buildProductLabel (P1.6)', () => {
  it('a toy without shelf life needs name and spec only', () => {
    const r = buildProductLabel(src({ nameZh: '太空熊盲盒' }));
    expect(r).toEqual({
      label: {
        sku: 'BB-01',
        name: 'Space Bear blind box',
        nameZh: '太空熊盲盒',
        spec: '1 figure, 6 × 6 × 9 cm',
        dateLabelRequired: false,
        productionDate: null,
        shelfLifeDays: null,
        bestBefore: null,
      },
      missing: [],
      issues: [],
      reason: 'P1.6: no shelf life and no date label flag → name and spec only',
    });
  });

  it('name and spec are always required', () => {
    const r = buildProductLabel(src({ name: '  ', spec: null }));
    expect(r.missing).toEqual(['name', 'spec']);
    expect(r.issues).toEqual([
      { path: 'name', message: 'P1.6: BB-01: product name is missing' },
      { path: 'spec', message: 'P1.6: BB-01: spec (规格) is missing' },
    ]);
    expect([r.label.name, r.label.spec]).toEqual(['', '']);
  });

  it('a SKU with a shelf life computes best-before', () => {
    const r = buildProductLabel(src({ sku: 'CANDY-01', productionDate: '2024-01-01', shelfLifeDays: 365 }));
    expect(r.missing).toEqual([]);
    expect(r.label).toMatchObject({ dateLabelRequired: true, productionDate: '2024-01-01', shelfLifeDays: 365, bestBefore: '2024-12-31' });
    expect(r.reason).toBe('P1.6: SKU has a shelf life (365 days) → production date and shelf life required');
  });

  it('a SKU with a shelf life but no production date is incomplete', () => {
    const r = buildProductLabel(src({ shelfLifeDays: 180 }));
    expect(r.missing).toEqual(['productionDate']);
    expect(r.label.bestBefore).toBeNull();
  });

  it('requiresDateLabel without any dates misses both', () => {
    const r = buildProductLabel(src({ requiresDateLabel: true }));
    expect(r.missing).toEqual(['productionDate', 'shelfLifeDays']);
    expect(r.reason).toBe('P1.6: SKU flagged for a date label (e.g. candy / food-grade) → production date and shelf life required');
  });

  it('shelf life 0 or null means none', () => {
    expect(buildProductLabel(src({ shelfLifeDays: 0 })).label.dateLabelRequired).toBe(false);
    expect(buildProductLabel(src({ shelfLifeDays: null })).missing).toEqual([]);
  });

  it('an invalid production date counts as missing when required', () => {
    const r = buildProductLabel(src({ productionDate: '2023-02-29', shelfLifeDays: 30 }));
    expect(r.missing).toEqual(['productionDate']);
    expect(r.issues[0].message).toBe('P1.6: BB-01: production date "2023-02-29" is not a valid YYYY-MM-DD date');
    expect(r.label.productionDate).toBeNull();
  });

  it('an invalid production date is reported but not missing when not required', () => {
    const r = buildProductLabel(src({ productionDate: 'soon' }));
    expect(r.missing).toEqual([]);
    expect(r.issues.map((i) => i.path)).toEqual(['productionDate']);
  });

  it('negative or fractional shelf life is invalid', () => {
    expect(buildProductLabel(src({ productionDate: '2024-01-01', shelfLifeDays: -5 })).missing).toEqual(['shelfLifeDays']);
    const r = buildProductLabel(src({ productionDate: '2024-01-01', shelfLifeDays: 1.5 }));
    expect(r.missing).toEqual(['shelfLifeDays']);
    expect(r.label.bestBefore).toBeNull();
  });

  it('an optional production date without a shelf life is printed, no best-before', () => {
    const r = buildProductLabel(src({ productionDate: '2024-03-05' }));
    expect(r.label).toMatchObject({ productionDate: '2024-03-05', bestBefore: null, dateLabelRequired: false });
    expect(r.missing).toEqual([]);
  });
});
