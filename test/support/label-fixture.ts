/** One parcel's shipping label (SF, parcel 1 of 2, Chinese recipient) for the PDF and ZPL label tests. */
export const SAMPLE_LABEL = {
  waybillNo: 'SF1234567890123',
  carrier: { code: 'SF', name: 'SF Express', nameZh: '顺丰速运' },
  serviceLevel: 'standard',
  orderNo: 'DEMO-1001',
  parcelIndex: 1,
  parcelCount: 2,
  weightGrams: 1480,
  sender: { name: 'BoxFlow Toys Warehouse', phone: '+86 21 5555 0100', line1: 'No. 88 Logistics Park Road', city: 'Shanghai', postalCode: '201100', country: 'CN' },
  recipient: { name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号', city: '上海', province: '上海', postalCode: '200120', country: 'CN' },
  printedAt: '2026-12-03T08:00:00.000Z',
};
