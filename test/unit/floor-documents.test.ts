import { renderPackingSlip, renderPickList, renderProductLabels } from '../../adapters/documents/floor-documents';
import { findCjkFont } from '../../adapters/documents/shipping-label';
import { barcodeForSku } from '../../domain/barcodes';
import { readPdf } from '../support/pdf-read';

const hasFont = (() => {
  try {
    return Boolean(findCjkFont());
  } catch {
    return false;
  }
})();
const maybe = hasFont ? test : test.skip;

maybe('a pick list prints its rows in bin order, in Chinese and English', async () => {
  const pdf = await renderPickList({
    waveLabel: '2026-12-03:YTO (cut-off 2026-12-03 17:00)',
    claimedBy: 'picker.wu',
    printedAt: '2026-12-03T08:00:00.000Z',
    rows: [
      { bin: 'A-01-1', sku: 'BB-MOLLY-SPACE', name: 'MOLLY 太空系列盲盒', quantity: 2, orderNo: 'T1' },
      { bin: 'B-04-1', sku: 'PL-LABUBU-30', name: 'LABUBU 毛绒公仔', quantity: 1, orderNo: 'T2' },
    ],
  });
  const { text } = await readPdf(pdf);
  expect(text).toContain('拣货单 Pick list');
  expect(text).toContain('MOLLY 太空系列盲盒');
  expect(text.indexOf('A-01-1')).toBeLessThan(text.indexOf('B-04-1'));
  expect(text).toContain('共 3 件 units, 2 行 lines');
});

maybe('a packing slip lists the parcel’s items and where it goes', async () => {
  const pdf = await renderPackingSlip({
    orderNo: 'DEMO-1001', parcelIndex: 1, parcelCount: 1, carrier: 'YTO', waybillNo: 'YT123',
    recipient: { name: '王小明', line1: '浦东新区世纪大道 100 号', city: '上海', postalCode: '200120', country: 'CN' },
    items: [{ sku: 'BB-MOLLY-SPACE', name: 'MOLLY 太空系列盲盒', quantity: 2 }],
    printedAt: '2026-12-03T08:00:00.000Z',
  });
  const { text } = await readPdf(pdf);
  for (const s of ['装箱单 Packing slip · DEMO-1001 · 1/1', '王小明', 'YT123', 'BB-MOLLY-SPACE', 'MOLLY 太空系列盲盒']) expect(text).toContain(s);
});

maybe('product labels (P1.6): one per unit, with the dates and a readable EAN-13', async () => {
  const ean = barcodeForSku('CANDY-TOY-HIRONO');
  const pdf = await renderProductLabels([
    { sku: 'CANDY-TOY-HIRONO', name: 'Hirono Candy Toy Blind Box', nameZh: 'HIRONO 食玩盲盒', spec: '1 box with candy', productionDate: '2026-09-01', shelfLifeDays: 365, bestBefore: '2027-09-01', barcode: ean, quantity: 2 },
  ]);
  const read = await readPdf(pdf);
  expect(read.pages).toHaveLength(2);
  expect(read.text).toContain('HIRONO 食玩盲盒');
  expect(read.text).toContain('生产日期 2026-09-01');
  expect(read.text).toContain('2027-09-01');
  expect(read.ean13).toBe(ean);
});
