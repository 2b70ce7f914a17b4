import { barcodeForSku, ean13CheckDigit, isEan13 } from '../../../domain/barcodes';

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
