import { DEFAULT_PARCEL_LIMITS, describeParcels, splitIntoParcels } from '../../../domain/parcels';
import type { PackItem } from '../../../domain/types';

function item(sku: string, quantity: number, weightGrams: number, dims: [number, number, number] = [100, 100, 100], fragile = false): PackItem {
  return { sku, quantity, weightGrams, lengthMm: dims[0], widthMm: dims[1], heightMm: dims[2], fragile, unitPrice: 10 };
}

/** Compact view: [index, [[sku, qty]...], weight, volume, oversize] */
const view = (ps: ReturnType<typeof splitIntoParcels>) =>
  ps.map((p) => [p.index, p.items.map((i) => [i.sku, i.quantity]), p.weightGrams, p.volumeCm3, p.oversize]);

describe('DEFAULT_PARCEL_LIMITS', () => {
  it('is 20 kg and 100000 cm³', () => {
    expect(DEFAULT_PARCEL_LIMITS).toEqual({ maxWeightGrams: 20000, maxVolumeCm3: 100000 });
  });
});

describe('splitIntoParcels (P1.8)', () => {
  it('small order → one parcel, index 1, attributes kept', () => {
    const a = item('A', 2, 150, [60, 60, 90], true);
    const ps = splitIntoParcels([a]);
    expect(ps).toEqual([{ index: 1, items: [a], weightGrams: 300, volumeCm3: 648, oversize: false }]);
  });

  it('no items (or only non-positive quantities) → no parcels', () => {
    expect(splitIntoParcels([])).toEqual([]);
    expect(splitIntoParcels([item('A', 0, 100), item('B', -2, 100)])).toEqual([]);
  });

  it('exactly at the weight limit fits one parcel; one more gram opens a second', () => {
    expect(view(splitIntoParcels([item('A', 4, 5000)]))).toEqual([[1, [['A', 4]], 20000, 4000, false]]);
    expect(view(splitIntoParcels([item('A', 4, 5000), item('B', 1, 1)]))).toEqual([
      [1, [['A', 4]], 20000, 4000, false],
      [2, [['B', 1]], 1, 1000, false],
    ]);
  });

  it('exactly at the volume limit fits one parcel; over it splits', () => {
    // 100 units of 1000 cm³ = 100000 cm³
    expect(view(splitIntoParcels([item('A', 100, 10)]))).toEqual([[1, [['A', 100]], 1000, 100000, false]]);
    expect(view(splitIntoParcels([item('A', 101, 10)]))).toEqual([
      [1, [['A', 100]], 1000, 100000, false],
      [2, [['A', 1]], 10, 1000, false],
    ]);
  });

  it('first-fit decreasing: heaviest first, smaller units fill the gaps of earlier parcels', () => {
    // Units: 3 × 12 kg, 3 × 7 kg, 2 × 1 kg. FFD: P1=12+7+1, P2=12+7+1, P3=12+7.
    const ps = splitIntoParcels([item('S', 2, 1000), item('M', 3, 7000), item('L', 3, 12000)]);
    expect(view(ps)).toEqual([
      [1, [['S', 1], ['M', 1], ['L', 1]], 20000, 3000, false],
      [2, [['S', 1], ['M', 1], ['L', 1]], 20000, 3000, false],
      [3, [['M', 1], ['L', 1]], 19000, 2000, false],
    ]);
  });

  it('keeps one PackItem per SKU per parcel, merging duplicate lines, in input order', () => {
    const ps = splitIntoParcels([item('B', 1, 100), item('A', 2, 100), item('B', 3, 100)]);
    expect(view(ps)).toEqual([[1, [['B', 4], ['A', 2]], 600, 6000, false]]);
  });

  it('a single unit over the weight limit gets its own oversize parcel; others are packed normally', () => {
    const ps = splitIntoParcels([item('TOY', 3, 100), item('STATUE', 2, 25000)]);
    expect(view(ps)).toEqual([
      [1, [['STATUE', 1]], 25000, 1000, true],
      [2, [['STATUE', 1]], 25000, 1000, true],
      [3, [['TOY', 3]], 300, 3000, false],
    ]);
  });

  it('a light unit over the volume limit is oversize too, and nothing joins it', () => {
    const ps = splitIntoParcels([item('BIG', 1, 500, [1000, 500, 201]), item('TOY', 1, 100)]);
    expect(view(ps)).toEqual([
      [1, [['BIG', 1]], 500, 100500, true],
      [2, [['TOY', 1]], 100, 1000, false],
    ]);
  });

  it('a unit exactly at a limit is not oversize', () => {
    const ps = splitIntoParcels([item('EXACT', 1, 20000, [1000, 100, 1000])]);
    expect(view(ps)).toEqual([[1, [['EXACT', 1]], 20000, 100000, false]]);
  });

  it('is deterministic: input order of distinct SKUs does not change the split', () => {
    const a = [item('X', 5, 3000), item('Y', 5, 3000), item('Z', 4, 4500)];
    const b = [a[2], a[0], a[1]];
    const pa = view(splitIntoParcels(a));
    const pb = view(splitIntoParcels(b));
    // Same SKU sets and weights per parcel; only the listing order inside a parcel follows the input.
    const norm = (v: ReturnType<typeof view>) => v.map((p) => [p[0], [...(p[1] as [string, number][])].sort(), p[2], p[3], p[4]]);
    expect(norm(pa)).toEqual(norm(pb));
    expect(view(splitIntoParcels(a))).toEqual(pa);
    // Z (heaviest) first; X and Y tie on weight and volume, so SKU order decides: X fills parcel 2 first.
    expect(pa).toEqual([
      [1, [['Z', 4]], 18000, 4000, false],
      [2, [['X', 5], ['Y', 1]], 18000, 6000, false],
      [3, [['Y', 4]], 12000, 4000, false],
    ]);
  });

  it('handles large quantities without losing units', () => {
    const ps = splitIntoParcels([item('BB', 10001, 150, [60, 60, 90])]);
    // 100000 cm³ / 324 cm³ = 308 units by volume, 20000 / 150 = 133 by weight → 133 per parcel
    expect(ps).toHaveLength(Math.ceil(10001 / 133));
    expect(ps[0].items[0].quantity).toBe(133);
    expect(ps[ps.length - 1].items[0].quantity).toBe(10001 - 133 * (ps.length - 1));
    expect(ps.reduce((s, p) => s + p.items[0].quantity, 0)).toBe(10001);
    expect(ps.map((p) => p.index)).toEqual(ps.map((_, i) => i + 1));
  });

  it('custom limits (partial) apply', () => {
    expect(view(splitIntoParcels([item('A', 3, 1000)], { maxWeightGrams: 2000 }))).toEqual([
      [1, [['A', 2]], 2000, 2000, false],
      [2, [['A', 1]], 1000, 1000, false],
    ]);
  });

  it('zero-weight, zero-size units all share one parcel', () => {
    expect(view(splitIntoParcels([item('CARD', 50, 0, [0, 0, 0])]))).toEqual([[1, [['CARD', 50]], 0, 0, false]]);
  });

  it('floors fractional quantities', () => {
    expect(view(splitIntoParcels([item('A', 2.7, 100)]))).toEqual([[1, [['A', 2]], 200, 2000, false]]);
  });
});

describe('describeParcels', () => {
  it('summarises the split and names oversize parcels', () => {
    const ps = splitIntoParcels([item('TOY', 3, 100), item('STATUE', 1, 25000)]);
    expect(describeParcels(ps)).toBe(
      'P1.8: 4 units in 2 parcels (limits 20000 g / 100000 cm³ per parcel); parcel 1 is oversize (single unit of STATUE: 25000 g, 1000 cm³)',
    );
    expect(describeParcels(splitIntoParcels([item('A', 1, 1)]))).toBe('P1.8: 1 unit in 1 parcel (limits 20000 g / 100000 cm³ per parcel)');
  });
});

describe('splitIntoParcels matches a naive unit-by-unit first-fit decreasing', () => {
  /** Reference: expand to units, sort (weight desc, volume desc, sku asc), first fit one unit at a time. */
  function naive(items: PackItem[], maxG: number, maxCm3: number) {
    const units: PackItem[] = [];
    for (const it of items) for (let i = 0; i < it.quantity; i++) units.push(it);
    const vol = (u: PackItem) => u.lengthMm * u.widthMm * u.heightMm;
    units.sort((a, b) => b.weightGrams - a.weightGrams || vol(b) - vol(a) || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    const bins: { g: number; v: number; over: boolean; skus: Record<string, number> }[] = [];
    for (const u of units) {
      if (u.weightGrams > maxG || vol(u) > maxCm3 * 1000) {
        bins.push({ g: u.weightGrams, v: vol(u), over: true, skus: { [u.sku]: 1 } });
        continue;
      }
      let bin = bins.find((b) => !b.over && b.g + u.weightGrams <= maxG && b.v + vol(u) <= maxCm3 * 1000);
      if (!bin) bins.push((bin = { g: 0, v: 0, over: false, skus: {} }));
      bin.g += u.weightGrams;
      bin.v += vol(u);
      bin.skus[u.sku] = (bin.skus[u.sku] ?? 0) + 1;
    }
    return bins.map((b, i) => [i + 1, Object.entries(b.skus).sort(), b.g, b.v / 1000, b.over]);
  }

  it('on 200 pseudo-random orders (seeded)', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let t = 0; t < 200; t++) {
      const lines: PackItem[] = [];
      const n = 1 + rnd(6);
      for (let i = 0; i < n; i++) {
        lines.push(item(`S${i}`, 1 + rnd(12), rnd(4) === 0 ? 15000 + rnd(10000) : 50 + rnd(6000), [10 + rnd(400), 10 + rnd(300), 10 + rnd(300)]));
      }
      const got = splitIntoParcels(lines, { maxWeightGrams: 20000, maxVolumeCm3: 60000 }).map((p) => [
        p.index,
        p.items.map((i) => [i.sku, i.quantity]).sort(),
        p.weightGrams,
        p.volumeCm3,
        p.oversize,
      ]);
      expect(got).toEqual(naive(lines, 20000, 60000));
    }
  });
});
