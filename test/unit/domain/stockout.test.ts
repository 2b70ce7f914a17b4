import { isStockoutPolicy, policyOf, sellOutSummary, splitShortagesByPolicy } from '../../../domain/stockout';

describe('stockout policy per SKU (P1.10)', () => {
  it('knows the three policies and nothing else', () => {
    expect(['ask', 'restockable', 'limited'].every(isStockoutPolicy)).toBe(true);
    expect(isStockoutPolicy('LIMITED')).toBe(false);
    expect(isStockoutPolicy('')).toBe(false);
    expect(isStockoutPolicy(undefined)).toBe(false);
  });

  it('reads an unknown or missing policy as ask (today\'s behaviour)', () => {
    expect(policyOf({}, 'X')).toBe('ask');
    expect(policyOf({ X: 'bogus' }, 'X')).toBe('ask');
    expect(policyOf({ X: 'limited' }, 'X')).toBe('limited');
  });

  it('splits shortages by their SKU\'s policy, keeping their order', () => {
    const s = [
      { lineId: 1, sku: 'L' },
      { lineId: 2, sku: 'R' },
      { lineId: 3, sku: 'A' },
      { lineId: 4, sku: 'L' },
    ];
    const split = splitShortagesByPolicy(s, { L: 'limited', R: 'restockable' });
    expect(split.limited.map((x) => x.lineId)).toEqual([1, 4]);
    expect(split.restockable.map((x) => x.lineId)).toEqual([2]);
    expect(split.ask.map((x) => x.lineId)).toEqual([3]);
  });

  it('summarises sell-out refunds per SKU, largest first', () => {
    expect(
      sellOutSummary([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'A', quantity: 1 },
        { sku: 'C', quantity: 1 },
      ]),
    ).toEqual([
      { sku: 'A', lines: 2, units: 3 },
      { sku: 'B', lines: 1, units: 1 },
      { sku: 'C', lines: 1, units: 1 },
    ]);
  });
});
