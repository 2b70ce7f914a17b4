import {
  buildCustomsDeclaration,
  needsCustoms,
  normalizeCountry,
  normalizeHsCode,
  type CustomsLineInput,
} from '../../../domain/customs';

function line(over: Partial<CustomsLineInput> = {}): CustomsLineInput {
  return { sku: 'BB-01', name: 'Vinyl blind box figure', quantity: 2, unitPrice: 69.9, weightGrams: 150, hsCode: '9503.00', countryOfOrigin: 'CN', ...over };
}

describe('normalizeHsCode', () => {
  it.each([
    ['950300', '950300'],
    ['9503.00', '950300'],
    ['9503 00 00', '95030000'],
    ['9503-00-0089', '9503000089'],
    ['95030', null], // 5 digits
    ['95030000891', null], // 11 digits
    ['9503AB', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%p → %p', (raw, want) => {
    expect(normalizeHsCode(raw)).toBe(want);
  });
});

describe('normalizeCountry', () => {
  it('accepts two letters in any case, rejects the rest', () => {
    expect(normalizeCountry('cn')).toBe('CN');
    expect(normalizeCountry(' JP ')).toBe('JP');
    expect(normalizeCountry('CHN')).toBeNull();
    expect(normalizeCountry('C1')).toBeNull();
    expect(normalizeCountry(null)).toBeNull();
  });
});

describe('buildCustomsDeclaration (P2.10)', () => {
  it('builds a clean declaration with totals and defaults', () => {
    const { declaration, issues } = buildCustomsDeclaration({
      lines: [line(), line({ sku: 'CASE-01', name: 'Acrylic display case', quantity: 1, unitPrice: 0.1, weightGrams: 400, hsCode: '3926909090' })],
      currency: 'usd',
    });
    expect(issues).toEqual([]);
    expect(declaration).toEqual({
      contentsType: 'merchandise',
      incoterm: 'DDU',
      currency: 'USD',
      lines: [
        { sku: 'BB-01', description: 'Vinyl blind box figure', quantity: 2, unitValue: 69.9, totalValue: 139.8, weightGrams: 300, hsCode: '950300', countryOfOrigin: 'CN' },
        { sku: 'CASE-01', description: 'Acrylic display case', quantity: 1, unitValue: 0.1, totalValue: 0.1, weightGrams: 400, hsCode: '3926909090', countryOfOrigin: 'CN' },
      ],
      declaredValue: 139.9,
      totalWeightGrams: 700,
    });
  });

  it('sums in cents (no floating point drift)', () => {
    const { declaration } = buildCustomsDeclaration({ lines: [line({ quantity: 3, unitPrice: 0.1 }), line({ quantity: 1, unitPrice: 0.2 })], currency: 'USD' });
    expect(declaration.declaredValue).toBe(0.5);
  });

  it('keeps contents type and incoterm when given', () => {
    const { declaration } = buildCustomsDeclaration({ lines: [line()], currency: 'EUR', contentsType: 'gift', incoterm: 'DDP' });
    expect([declaration.contentsType, declaration.incoterm]).toEqual(['gift', 'DDP']);
  });

  it('reports missing and malformed HS codes', () => {
    const { declaration, issues } = buildCustomsDeclaration({
      lines: [line({ hsCode: null }), line({ sku: 'B', hsCode: '95030' }), line({ sku: 'C', hsCode: '  ' })],
      currency: 'USD',
    });
    expect(issues).toEqual([
      { path: 'lines[0].hsCode', message: 'P2.10: line 1 (BB-01) has no HS code' },
      { path: 'lines[1].hsCode', message: 'P2.10: line 2 (B) HS code "95030" is not 6–10 digits' },
      { path: 'lines[2].hsCode', message: 'P2.10: line 3 (C) has no HS code' },
    ]);
    expect(declaration.lines.map((l) => l.hsCode)).toEqual([null, null, null]);
  });

  it('HS code boundaries: 6 and 10 digits are fine', () => {
    expect(buildCustomsDeclaration({ lines: [line({ hsCode: '950300' }), line({ hsCode: '9503000089' })], currency: 'USD' }).issues).toEqual([]);
  });

  it('reports missing and malformed country of origin', () => {
    const { issues } = buildCustomsDeclaration({
      lines: [line({ countryOfOrigin: undefined }), line({ countryOfOrigin: 'China' })],
      currency: 'USD',
    });
    expect(issues).toEqual([
      { path: 'lines[0].countryOfOrigin', message: 'P2.10: line 1 (BB-01) has no country of origin' },
      { path: 'lines[1].countryOfOrigin', message: 'P2.10: line 2 (BB-01) country of origin "China" is not an ISO alpha-2 code' },
    ]);
  });

  it('reports non-positive value, weight and quantity, blank name and bad currency', () => {
    const { issues, declaration } = buildCustomsDeclaration({
      lines: [line({ unitPrice: 0 }), line({ unitPrice: -5, weightGrams: 0, quantity: 0, name: ' ' })],
      currency: 'yuan',
    });
    expect(issues.map((i) => i.path)).toEqual([
      'currency',
      'lines[0].unitPrice',
      'lines[1].name',
      'lines[1].quantity',
      'lines[1].unitPrice',
      'lines[1].weightGrams',
    ]);
    expect(issues[1].message).toBe('P2.10: line 1 (BB-01) declared value 0 must be positive');
    expect(declaration.declaredValue).toBe(0);
  });

  it('a declaration without lines is an issue', () => {
    expect(buildCustomsDeclaration({ lines: [], currency: 'USD' }).issues).toEqual([
      { path: 'lines', message: 'P2.10: a customs declaration needs at least one line' },
    ]);
  });
});

describe('needsCustoms (P2.10)', () => {
  it('only when crossing a border', () => {
    expect(needsCustoms('CN', 'CN')).toBe(false);
    expect(needsCustoms('CN', 'US')).toBe(true);
    expect(needsCustoms('CN', 'HK')).toBe(true);
    expect(needsCustoms(undefined, 'cn')).toBe(false);
  });
});
