import fs from 'node:fs';
import { findCjkFont, LABEL_HEIGHT_PT, LABEL_WIDTH_PT, renderShippingLabel } from '../../adapters/documents/shipping-label';
import { readPdf } from '../support/pdf-read';
import { SAMPLE_LABEL } from '../support/label-fixture';

const input = SAMPLE_LABEL;

const hasFont = (() => {
  try {
    return Boolean(findCjkFont());
  } catch {
    return false;
  }
})();

(hasFont ? test : test.skip)('a 100 × 150 mm label: its text (Chinese too) and its Code 128 waybill read back by other tools', async () => {
  const pdf = await renderShippingLabel(input);
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const read = await readPdf(pdf);
  const [page] = read.pages;
  expect(page.width).toBeCloseTo(LABEL_WIDTH_PT, 0);
  expect(page.height).toBeCloseTo(LABEL_HEIGHT_PT, 0);
  const text = read.text;
  for (const s of ['顺丰速运 SF Express', '收件人', '王小明', '13800138000', '浦东新区世纪大道 100 号', 'SF1234567890123', 'DEMO-1001', '1.48 kg', '1 / 2', 'BoxFlow Toys Warehouse']) expect(text).toContain(s);
  expect(read.code128).toBe('SF1234567890123');
  expect(read.qr).toBe('SF:SF1234567890123:DEMO-1001');
  // The font is embedded as a subset: the label stays small (the whole font is 4–5 MB).
  expect(pdf.toString('latin1')).toMatch(/\/FontFile2/);
  expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+WenQuanYi/);
  expect(pdf.length).toBeLessThan(150_000);
  expect(fs.statSync(findCjkFont()).size).toBeGreaterThan(1_000_000);
});
