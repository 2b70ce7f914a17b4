/**
 * P2.2 交接单 as a PDF, read back with poppler's pdftotext (another tool than the one that drew it):
 * parcel count, total weight, each waybill, the signature line. Skipped when pdftotext or the CJK
 * font is not installed (apt-get install poppler-utils fonts-wqy-microhei).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderManifest } from '../../adapters/documents/floor-documents';
import { findCjkFont } from '../../adapters/documents/shipping-label';

const has = (check: () => unknown) => {
  try {
    return Boolean(check());
  } catch {
    return false;
  }
};
const ready = has(findCjkFont) && has(() => execFileSync('pdftotext', ['-v'], { stdio: 'ignore' }) !== undefined);

function pdftotext(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-manifest-'));
  try {
    fs.writeFileSync(path.join(dir, 'm.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path.join(dir, 'm.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(ready ? test : test.skip)('the manifest prints the parcel count, the total weight, every waybill and a signature line', async () => {
  const parcels = [
    { waybillNo: 'YT9000000001', orderNo: 'DEMO-1001', parcelIndex: 1, weightGrams: 1480, handedOverBy: 'dock.zhao' },
    { waybillNo: 'YT9000000002', orderNo: 'DEMO-1001', parcelIndex: 2, weightGrams: 520, handedOverBy: null },
    { waybillNo: 'YT9000000003', orderNo: 'DEMO-1002', parcelIndex: 1, weightGrams: 1010, handedOverBy: 'dock.zhao' },
  ];
  const pdf = await renderManifest({ carrier: { code: 'YTO', name: 'YTO Express', nameZh: '圆通速递' }, pickupLabel: '2026-12-03 17:00 (UTC+08:00)', printedAt: '2026-12-03T08:30:00.000Z', printedBy: 'dock.zhao', parcels });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const text = pdftotext(pdf);
  expect(text).toContain('交接单 Hand-over manifest');
  expect(text).toContain('圆通速递 YTO Express');
  expect(text).toMatch(/包裹数 Parcels: 3\s+已扫描 Scanned out: 2\s+总重 Total weight: 3\.01 kg/);
  for (const p of parcels) expect(text).toContain(p.waybillNo);
  // Each waybill on its own row, in order, with its order and weight.
  expect(text).toMatch(/1\s+YT9000000001\s+DEMO-1001\s+#1\s+1\.48 kg\s+dock\.zhao/);
  expect(text).toMatch(/2\s+YT9000000002\s+DEMO-1001\s+#2\s+0\.52 kg\s+—/);
  expect(text.indexOf('YT9000000001')).toBeLessThan(text.indexOf('YT9000000003'));
  expect(text).toMatch(/快递员签字 Courier signature: _{10,}/);
  expect(text).toMatch(/仓库签字 Warehouse signature: _{10,}/);
});
