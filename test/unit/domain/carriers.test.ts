import {
  CARRIER_NAMES,
  DEFAULT_CARRIER_RULES,
  DEFAULT_CUTOFFS,
  DOMESTIC_CARRIERS,
  INTERNATIONAL_CARRIERS,
  isDomestic,
  selectCarriers,
  type CarrierSelectionInput,
} from '../../../domain/carriers';

function input(over: Partial<CarrierSelectionInput> = {}): CarrierSelectionInput {
  return {
    originCountry: 'CN',
    destinationCountry: 'CN',
    weightGrams: 800,
    declaredValue: 138,
    currency: 'CNY',
    fragile: false,
    serviceLevel: 'standard',
    ...over,
  };
}

describe('constants', () => {
  it('names the four carriers in English and Chinese', () => {
    expect(CARRIER_NAMES).toEqual({
      SF: { en: 'SF Express', zh: '顺丰速运' },
      YTO: { en: 'YTO Express', zh: '圆通速递' },
      DHL: { en: 'DHL', zh: 'DHL' },
      FEDEX: { en: 'FedEx', zh: '联邦快递' },
    });
    expect(DOMESTIC_CARRIERS).toEqual(['SF', 'YTO']);
    expect(INTERNATIONAL_CARRIERS).toEqual(['DHL', 'FEDEX']);
  });
  it('defaults: origin CN, SF above 500 CNY, DHL up to 2000 g; cut-offs re-exported', () => {
    expect(DEFAULT_CARRIER_RULES).toEqual({ defaultOriginCountry: 'CN', highValueThresholds: { CNY: 500 }, dhlMaxGrams: 2000 });
    expect(DEFAULT_CUTOFFS.SF).toEqual({ hour: 18, minute: 0 });
  });
});

describe('isDomestic (P2.5)', () => {
  it('compares ISO codes case-insensitively', () => {
    expect(isDomestic('CN', 'CN')).toBe(true);
    expect(isDomestic(' cn', 'CN ')).toBe(true);
    expect(isDomestic('CN', 'US')).toBe(false);
  });
  it('treats HK as international from CN', () => {
    expect(isDomestic('CN', 'HK')).toBe(false);
  });
  it('an empty origin means the shop country CN', () => {
    expect(isDomestic('', 'CN')).toBe(true);
    expect(isDomestic(undefined, 'JP')).toBe(false);
    expect(isDomestic('CN', '')).toBe(false);
  });
});

describe('selectCarriers, domestic (P2.5)', () => {
  it('standard, ordinary, no quotes → YTO first, SF fallback', () => {
    expect(selectCarriers(input())).toEqual({
      ranked: ['YTO', 'SF'],
      reason: 'P2.5: domestic CN → CN, standard and ordinary value, no quotes to compare → YTO Express first (cheaper by default), SF Express as fallback',
    });
  });

  it('origin defaults to CN', () => {
    expect(selectCarriers(input({ originCountry: undefined })).ranked).toEqual(['YTO', 'SF']);
  });

  it('express → SF first', () => {
    const s = selectCarriers(input({ serviceLevel: 'express' }));
    expect(s.ranked).toEqual(['SF', 'YTO']);
    expect(s.reason).toBe('P2.5: domestic CN → CN, express service → SF Express first, YTO Express as fallback');
  });

  it('fragile → SF first', () => {
    const s = selectCarriers(input({ fragile: true }));
    expect(s.ranked).toEqual(['SF', 'YTO']);
    expect(s.reason).toContain('fragile items');
  });

  it('declared value exactly 500 CNY is not high value; 500.01 is', () => {
    expect(selectCarriers(input({ declaredValue: 500 })).ranked).toEqual(['YTO', 'SF']);
    const s = selectCarriers(input({ declaredValue: 500.01 }));
    expect(s.ranked).toEqual(['SF', 'YTO']);
    expect(s.reason).toContain('declared value 500.01 CNY > 500 CNY');
  });

  it('lists every reason for SF together', () => {
    const s = selectCarriers(input({ serviceLevel: 'express', fragile: true, declaredValue: 999 }));
    expect(s.reason).toBe(
      'P2.5: domestic CN → CN, express service, fragile items, declared value 999 CNY > 500 CNY → SF Express first, YTO Express as fallback',
    );
  });

  it('a currency without a threshold is treated as high value (SF first)', () => {
    const s = selectCarriers(input({ currency: 'usd', declaredValue: 10 }));
    expect(s.ranked).toEqual(['SF', 'YTO']);
    expect(s.reason).toContain('declared value in USD has no threshold, treated as high value');
    expect(selectCarriers(input({ currency: 'USD', declaredValue: 10 }), { highValueThresholds: { USD: 70 } }).ranked).toEqual(['YTO', 'SF']);
  });

  it('ordinary standard: the cheaper quote goes first', () => {
    const s = selectCarriers(input({ quotes: { SF: 12, YTO: 15 } }));
    expect(s.ranked).toEqual(['SF', 'YTO']);
    expect(s.reason).toBe('P2.5: domestic CN → CN, standard and ordinary value, SF Express quote 12 < YTO Express quote 15 → SF Express first, YTO Express as fallback');
    expect(selectCarriers(input({ quotes: { SF: 15, YTO: 12 } })).ranked).toEqual(['YTO', 'SF']);
  });

  it('equal, partial or invalid quotes fall back to YTO first', () => {
    const eq = selectCarriers(input({ quotes: { SF: 12, YTO: 12 } }));
    expect(eq.ranked).toEqual(['YTO', 'SF']);
    expect(eq.reason).toContain('equal quotes');
    expect(selectCarriers(input({ quotes: { SF: 5 } })).ranked).toEqual(['YTO', 'SF']);
    expect(selectCarriers(input({ quotes: { SF: -1, YTO: 20 } })).ranked).toEqual(['YTO', 'SF']);
    expect(selectCarriers(input({ quotes: { SF: Number.NaN, YTO: 20 } })).ranked).toEqual(['YTO', 'SF']);
  });

  it('quotes do not override express / fragile / high value', () => {
    expect(selectCarriers(input({ fragile: true, quotes: { SF: 30, YTO: 10 } })).ranked).toEqual(['SF', 'YTO']);
  });

  it('never offers an international carrier domestically', () => {
    expect(selectCarriers(input({ quotes: { DHL: 1, FEDEX: 1, SF: 50, YTO: 60 } })).ranked).toEqual(['SF', 'YTO']);
  });
});

describe('selectCarriers, international (P2.5)', () => {
  const intl = (over: Partial<CarrierSelectionInput> = {}) => input({ destinationCountry: 'US', currency: 'USD', ...over });

  it('exactly 2000 g → DHL first', () => {
    expect(selectCarriers(intl({ weightGrams: 2000 }))).toEqual({
      ranked: ['DHL', 'FEDEX'],
      reason: 'P2.5: international CN → US, no quotes to compare, 2000 g ≤ 2000 g → DHL first, FedEx as fallback',
    });
  });

  it('2001 g → FedEx first', () => {
    expect(selectCarriers(intl({ weightGrams: 2001 }))).toEqual({
      ranked: ['FEDEX', 'DHL'],
      reason: 'P2.5: international CN → US, no quotes to compare, 2001 g > 2000 g → FedEx first, DHL as fallback',
    });
  });

  it('cheaper quote wins over the weight rule', () => {
    const s = selectCarriers(intl({ weightGrams: 500, quotes: { DHL: 300, FEDEX: 250 } }));
    expect(s.ranked).toEqual(['FEDEX', 'DHL']);
    expect(s.reason).toBe('P2.5: international CN → US, FedEx quote 250 < DHL quote 300 → FedEx first, DHL as fallback');
  });

  it('equal quotes fall back to the weight rule', () => {
    const s = selectCarriers(intl({ weightGrams: 5000, quotes: { DHL: 300, FEDEX: 300 } }));
    expect(s.ranked).toEqual(['FEDEX', 'DHL']);
    expect(s.reason).toContain('equal quotes');
  });

  it('express and fragile do not change the international rule; domestic carriers never appear', () => {
    expect(selectCarriers(intl({ serviceLevel: 'express', fragile: true, declaredValue: 9999, quotes: { SF: 1, YTO: 1 } })).ranked).toEqual([
      'DHL',
      'FEDEX',
    ]);
  });

  it('CN → HK is international', () => {
    expect(selectCarriers(intl({ destinationCountry: 'HK' })).ranked).toEqual(['DHL', 'FEDEX']);
  });

  it('custom DHL weight limit', () => {
    expect(selectCarriers(intl({ weightGrams: 1500 }), { dhlMaxGrams: 1000 }).ranked).toEqual(['FEDEX', 'DHL']);
  });
});
