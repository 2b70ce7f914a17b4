import { barcodeForSku, caseBarcodeFor, ean13CheckDigit, gtinCheckDigit, isEan13, isGtin14 } from '../../../domain/barcodes';

test('EAN-13 check digits (GS1 examples)', () => {
  expect(ean13CheckDigit('400638133393')).toBe(1);
  expect(isEan13('4006381333931')).toBe(true);
  expect(isEan13('4006381333932')).toBe(false);
  expect(isEan13('400638133393')).toBe(false);
  expect(() => ean13CheckDigit('12')).toThrow();
});

test("the shop's own codes are valid, stable, China-prefixed and distinct per SKU", () => {
  const skus = ['BB-MOLLY-SPACE', 'BB-MOLLY-SPACE-CASE', 'BB-DIMOO-FOREST', 'FIG-MEGA-1000'];
  const codes = skus.map(barcodeForSku);
  for (const c of codes) {
    expect(isEan13(c)).toBe(true);
    expect(c.startsWith('69')).toBe(true);
  }
  expect(new Set(codes).size).toBe(skus.length);
  expect(barcodeForSku('BB-MOLLY-SPACE')).toBe(codes[0]);
});

describe('a whole case’s own barcode (GTIN-14)', () => {
  it('is the unit’s EAN-13 with packaging indicator 1 and a new GS1 check digit', () => {
    // The common ITF-14 example 1 0012345 67890 2 (a case of UPC 012345678905).
    expect(gtinCheckDigit('1001234567890')).toBe(2);
    expect(isGtin14('10012345678902')).toBe(true);
    const unit = barcodeForSku('BB-MOLLY-SPACE');
    const c = caseBarcodeFor(unit);
    expect(c).toHaveLength(14);
    expect(c.slice(0, 13)).toBe(`1${unit.slice(0, 12)}`);
    expect(isGtin14(c)).toBe(true);
    expect(isEan13(c)).toBe(false);
    expect(isGtin14(`${c.slice(0, 13)}${(Number(c[13]) + 1) % 10}`)).toBe(false);
    // The EAN-13 check digit is the same rule on 12 digits.
    expect(gtinCheckDigit(unit.slice(0, 12))).toBe(ean13CheckDigit(unit.slice(0, 12)));
  });
  it('needs a valid unit code', () => {
    expect(() => caseBarcodeFor('123')).toThrow();
  });
});
