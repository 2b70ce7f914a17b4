import { choosePackaging, DEFAULT_PACKAGING_RULES, isHeavy, measureItems } from '../../../domain/packaging';
import type { PackItem } from '../../../domain/types';

/** A blind box: 60 × 60 × 90 mm (324 cm³), 150 g. */
function item(over: Partial<PackItem> = {}): PackItem {
  return { sku: 'BB-01', quantity: 1, weightGrams: 150, lengthMm: 60, widthMm: 60, heightMm: 90, fragile: false, unitPrice: 69, ...over };
}

describe('DEFAULT_PACKAGING_RULES', () => {
  it('has the documented thresholds', () => {
    expect(DEFAULT_PACKAGING_RULES).toEqual({
      heavyGrams: 5000,
      crateGrams: 20000,
      crateLongestSideMm: 800,
      mailerMaxGrams: 1000,
      mailerMaxLongestSideMm: 300,
      mailerMaxVolumeCm3: 3000,
    });
  });
});

describe('isHeavy (P1.5 / P2.6)', () => {
  it('is strictly above the threshold', () => {
    expect(isHeavy(5000)).toBe(false);
    expect(isHeavy(5001)).toBe(true);
    expect(isHeavy(0)).toBe(false);
  });
  it('honours a custom threshold, partial rules allowed', () => {
    expect(isHeavy(3001, { heavyGrams: 3000 })).toBe(true);
    expect(isHeavy(3000, { heavyGrams: 3000 })).toBe(false);
  });
});

describe('measureItems', () => {
  it('applies quantities and ignores non-positive lines', () => {
    const m = measureItems([
      item({ quantity: 3 }),
      item({ sku: 'CASE', quantity: 2, weightGrams: 400, lengthMm: 310, widthMm: 100, heightMm: 50, fragile: true }),
      item({ sku: 'ZERO', quantity: 0, weightGrams: 99999, lengthMm: 9999, fragile: true }),
    ]);
    expect(m).toEqual({ units: 5, totalWeightGrams: 1250, totalVolumeCm3: 3 * 324 + 2 * 1550, longestSideMm: 310, fragileSkus: ['CASE'] });
  });
});

describe('choosePackaging (P1.5)', () => {
  it('ordinary small and light → bubble mailer without protection', () => {
    const c = choosePackaging([item({ quantity: 2 })]);
    expect(c.box).toBe('bubble_mailer');
    expect(c.protection).toBe('none');
    expect(c.reason).toMatch(/^P1\.5: ordinary items, small and light \(300 g/);
  });

  it('ordinary exactly at every mailer limit still fits a mailer (inclusive)', () => {
    // 1 unit: 1000 g, 300 × 100 × 100 mm = 3000 cm³
    const c = choosePackaging([item({ weightGrams: 1000, lengthMm: 300, widthMm: 100, heightMm: 100 })]);
    expect([c.box, c.protection]).toEqual(['bubble_mailer', 'none']);
  });

  it.each([
    ['weight', { weightGrams: 1001 }, /1001 g > 1000 g/],
    ['longest side', { lengthMm: 301, widthMm: 10, heightMm: 10 }, /longest side 301 mm > 300 mm/],
    ['volume', { lengthMm: 200, widthMm: 200, heightMm: 76 }, /3040 cm³ > 3000 cm³/],
  ])('ordinary just over the mailer %s → carton', (_what, over, why) => {
    const c = choosePackaging([item(over)]);
    expect([c.box, c.protection]).toEqual(['carton', 'none']);
    expect(c.reason).toMatch(/^P1\.5: ordinary items \(/);
    expect(c.reason).toMatch(why);
  });

  it('fragile, small and light → bubble mailer with bubble wrap, citing the SKU', () => {
    const c = choosePackaging([item(), item({ sku: 'GLASS-CASE', fragile: true, weightGrams: 300, lengthMm: 200, widthMm: 100, heightMm: 100 })]);
    expect([c.box, c.protection]).toEqual(['bubble_mailer', 'bubble_wrap']);
    expect(c.reason).toBe(
      'P1.5: fragile items (GLASS-CASE), small and light (450 g, longest side 200 mm, 2324 cm³) → bubble mailer with bubble wrap',
    );
  });

  it('fragile and larger than a mailer → foam box with foam', () => {
    const c = choosePackaging([item({ sku: 'FIG-XL', fragile: true, weightGrams: 1200, lengthMm: 350, widthMm: 200, heightMm: 200 })]);
    expect([c.box, c.protection]).toEqual(['foam_box', 'foam']);
    expect(c.reason).toBe(
      'P1.5: fragile items (FIG-XL), too big for a mailer (1200 g > 1000 g, longest side 350 mm > 300 mm, 14000 cm³ > 3000 cm³) → foam box with foam',
    );
  });

  it('fragile exactly at the heavy threshold is not heavy → foam box', () => {
    const c = choosePackaging([item({ fragile: true, weightGrams: 5000 })]);
    expect([c.box, c.protection]).toEqual(['foam_box', 'foam']);
  });

  it('fragile AND heavy → wooden crate with foam', () => {
    const c = choosePackaging([item({ sku: 'ORD', weightGrams: 5000 }), item({ sku: 'GLASS', fragile: true, weightGrams: 1 })]);
    expect([c.box, c.protection]).toEqual(['wooden_crate', 'foam']);
    expect(c.reason).toBe('P1.5: fragile items (GLASS) and heavy: 5001 g > 5000 g → wooden crate with foam');
  });

  it('fragile and over the crate length (light) → wooden crate with foam', () => {
    const c = choosePackaging([item({ sku: 'DIORAMA', fragile: true, weightGrams: 900, lengthMm: 801 })]);
    expect([c.box, c.protection]).toEqual(['wooden_crate', 'foam']);
    expect(c.reason).toContain('longest side 801 mm > 800 mm');
  });

  it('heavy ordinary → carton', () => {
    const c = choosePackaging([item({ weightGrams: 5001 })]);
    expect([c.box, c.protection]).toEqual(['carton', 'none']);
    expect(c.reason).toBe('P1.5: heavy (5001 g > 5000 g) → carton');
  });

  it('ordinary at exactly 5000 g is not heavy: ordinary carton', () => {
    const c = choosePackaging([item({ weightGrams: 5000 })]);
    expect([c.box, c.protection]).toEqual(['carton', 'none']);
    expect(c.reason).toMatch(/^P1\.5: ordinary items/);
  });

  it('exactly at the crate weight stays a carton; one gram more is a crate', () => {
    expect(choosePackaging([item({ weightGrams: 20000 })]).box).toBe('carton');
    const c = choosePackaging([item({ weightGrams: 10000, quantity: 2 }), item({ sku: 'X', weightGrams: 1 })]);
    expect([c.box, c.protection]).toEqual(['wooden_crate', 'none']);
    expect(c.reason).toBe('P1.5: 20001 g > 20000 g → wooden crate');
  });

  it('longest side exactly 800 mm stays a carton; 801 mm → crate even when light', () => {
    expect(choosePackaging([item({ weightGrams: 500, lengthMm: 800 })]).box).toBe('carton');
    const c = choosePackaging([item({ weightGrams: 500, heightMm: 801 })]);
    expect([c.box, c.protection]).toEqual(['wooden_crate', 'none']);
    expect(c.reason).toBe('P1.5: longest side 801 mm > 800 mm → wooden crate');
  });

  it('counts quantity toward weight', () => {
    expect(choosePackaging([item({ weightGrams: 1000, quantity: 6 })]).box).toBe('carton');
    expect(choosePackaging([item({ weightGrams: 1000, quantity: 6 })]).reason).toContain('6000 g > 5000 g');
  });

  it('custom rules override the defaults', () => {
    const c = choosePackaging([item({ weightGrams: 600 })], { heavyGrams: 500 });
    expect(c.reason).toBe('P1.5: heavy (600 g > 500 g) → carton');
    expect(choosePackaging([item({ quantity: 2 })], { mailerMaxGrams: 200 }).box).toBe('carton');
  });

  it('lists at most three fragile SKUs in the reason', () => {
    const items = ['A', 'B', 'C', 'D', 'E'].map((sku) => item({ sku, fragile: true, weightGrams: 10, lengthMm: 10, widthMm: 10, heightMm: 10 }));
    expect(choosePackaging(items).reason).toContain('fragile items (A, B, C +2 more)');
  });

  it('no items → harmless carton default, does not throw', () => {
    expect(choosePackaging([])).toEqual({ box: 'carton', protection: 'none', reason: 'P1.5: no items to pack → carton, no protection (default)' });
    expect(choosePackaging([item({ quantity: 0 })]).box).toBe('carton');
  });
});
