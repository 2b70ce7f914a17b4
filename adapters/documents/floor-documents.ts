/**
 * The floor's other printouts, made with pdfkit in the embedded CJK font (see shipping-label.ts):
 * a wave's pick list sorted by bin (P1.8), a parcel's packing slip, and its product labels with the
 * fields P1.6 requires (name, spec, production date, shelf life, best before), 50 × 30 mm each.
 */
import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';
import { findCjkFont } from './shipping-label';

const MM = 72 / 25.4;

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** A simple A4 table document: a title, a few lines of facts, rows of columns, a footer line. */
async function tableDocument(input: { title: string; facts: string[]; columns: Array<{ head: string; width: number }>; rows: string[][]; footer?: string }, fontPath: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: input.title, Author: 'BoxFlow' } });
  const done = collect(doc);
  doc.registerFont('cjk', fontPath, 'WenQuanYiMicroHei');
  doc.font('cjk');
  doc.fontSize(16).text(input.title);
  doc.moveDown(0.3).fontSize(10);
  for (const f of input.facts) doc.text(f);
  doc.moveDown(0.6);
  const left = doc.page.margins.left;
  const row = (cells: string[], bold = false) => {
    if (doc.y > doc.page.height - 80) doc.addPage();
    const y = doc.y;
    let x = left;
    let h = 0;
    doc.fontSize(bold ? 9 : 10);
    cells.forEach((c, i) => {
      const w = input.columns[i].width;
      doc.text(c, x, y, { width: w - 6 });
      h = Math.max(h, doc.y - y);
      x += w;
    });
    doc.y = y + h + 4;
    doc.moveTo(left, doc.y - 2).lineTo(x, doc.y - 2).lineWidth(0.3).stroke();
  };
  row(input.columns.map((c) => c.head), true);
  for (const r of input.rows) row(r);
  if (input.footer) {
    doc.moveDown(2).fontSize(10).text(input.footer, left, doc.y);
  }
  doc.end();
  return done;
}

export interface PickListInput {
  waveLabel: string;
  claimedBy: string | null;
  printedAt: string;
  rows: Array<{ bin: string | null; sku: string; name: string; quantity: number; orderNo: string }>;
}

export function renderPickList(input: PickListInput, fontPath = findCjkFont()): Promise<Buffer> {
  return tableDocument(
    {
      title: `拣货单 Pick list · ${input.waveLabel}`,
      facts: [`领取人 Claimed by: ${input.claimedBy ?? '—'}`, `打印 Printed: ${input.printedAt.replace('T', ' ').slice(0, 16)} UTC`, `共 ${input.rows.reduce((n, r) => n + r.quantity, 0)} 件 units, ${input.rows.length} 行 lines`],
      columns: [{ head: '库位 Bin', width: 55 }, { head: 'SKU', width: 120 }, { head: '商品 Item', width: 175 }, { head: '数量 Qty', width: 40 }, { head: '订单 Order', width: 125 }],
      rows: input.rows.map((r) => [r.bin ?? '—', r.sku, r.name, String(r.quantity), r.orderNo]),
      footer: '拣货员签字 Picker: __________',
    },
    fontPath,
  );
}

export interface ManifestInput {
  carrier: { code: string; name: string; nameZh: string };
  /** Which pickup: the carrier's cut-off, shop local time. */
  pickupLabel: string;
  printedAt: string;
  printedBy: string;
  parcels: Array<{ waybillNo: string; orderNo: string; parcelIndex: number; weightGrams: number; handedOverBy: string | null }>;
}

/**
 * P2.2 交接单: the carrier pickup's hand-over manifest: parcel count, total weight, each waybill (and
 * whether it was scanned out), a signature line for the courier and one for the warehouse.
 */
export function renderManifest(input: ManifestInput, fontPath = findCjkFont()): Promise<Buffer> {
  const grams = input.parcels.reduce((g, p) => g + p.weightGrams, 0);
  const scanned = input.parcels.filter((p) => p.handedOverBy).length;
  return tableDocument(
    {
      title: `交接单 Hand-over manifest · ${input.carrier.nameZh} ${input.carrier.name}`,
      facts: [
        `揽收 Pickup: ${input.pickupLabel}`,
        `包裹数 Parcels: ${input.parcels.length}   已扫描 Scanned out: ${scanned}   总重 Total weight: ${(grams / 1000).toFixed(2)} kg`,
        `打印 Printed: ${input.printedAt.replace('T', ' ').slice(0, 16)} UTC by ${input.printedBy}`,
      ],
      columns: [{ head: '#', width: 30 }, { head: '运单号 Waybill', width: 150 }, { head: '订单 Order', width: 120 }, { head: '包裹 Parcel', width: 55 }, { head: '重量 Weight', width: 70 }, { head: '交接 Scanned', width: 90 }],
      rows: input.parcels.map((p, i) => [String(i + 1), p.waybillNo, p.orderNo, `#${p.parcelIndex}`, `${(p.weightGrams / 1000).toFixed(2)} kg`, p.handedOverBy ?? '—']),
      footer: `快递员签字 Courier signature: ____________________   日期时间 Date/time: ______________\n\n仓库签字 Warehouse signature: ____________________`,
    },
    fontPath,
  );
}

export interface PackingSlipInput {
  orderNo: string;
  parcelIndex: number;
  parcelCount: number;
  carrier: string | null;
  waybillNo: string | null;
  recipient: { name: string; line1: string; city: string; postalCode: string; country: string };
  items: Array<{ sku: string; name: string; quantity: number }>;
  printedAt: string;
}

export function renderPackingSlip(input: PackingSlipInput, fontPath = findCjkFont()): Promise<Buffer> {
  return tableDocument(
    {
      title: `装箱单 Packing slip · ${input.orderNo} · ${input.parcelIndex}/${input.parcelCount}`,
      facts: [
        `收件人 To: ${input.recipient.name}, ${input.recipient.line1}, ${input.recipient.city} ${input.recipient.postalCode} ${input.recipient.country}`,
        `快递 Carrier: ${input.carrier ?? '—'}  运单 Waybill: ${input.waybillNo ?? '—'}`,
        `打印 Printed: ${input.printedAt.replace('T', ' ').slice(0, 16)} UTC`,
      ],
      columns: [{ head: 'SKU', width: 140 }, { head: '商品 Item', width: 300 }, { head: '数量 Qty', width: 70 }],
      rows: input.items.map((i) => [i.sku, i.name, String(i.quantity)]),
      footer: '感谢您的购买!Thank you for your order. 如有问题请联系客服 Questions: our customer service.',
    },
    fontPath,
  );
}

export interface ProductLabelInput {
  sku: string;
  name: string;
  nameZh: string | null;
  spec: string;
  productionDate: string | null;
  shelfLifeDays: number | null;
  bestBefore: string | null;
  barcode: string | null;
  quantity: number;
}

/** P1.6: one 50 × 30 mm label per unit, with the item's EAN-13. */
export async function renderProductLabels(labels: ProductLabelInput[], fontPath = findCjkFont()): Promise<Buffer> {
  const W = 50 * MM;
  const H = 30 * MM;
  const doc = new PDFDocument({ size: [W, H], margin: 0, autoFirstPage: false, info: { Title: 'Product labels', Author: 'BoxFlow' } });
  const done = collect(doc);
  doc.registerFont('cjk', fontPath, 'WenQuanYiMicroHei');
  for (const l of labels) {
    const code = l.barcode && /^\d{13}$/.test(l.barcode) ? await bwipjs.toBuffer({ bcid: 'ean13', text: l.barcode, scale: 2, height: 6, includetext: true, textsize: 8, backgroundcolor: 'FFFFFF' }) : null;
    for (let n = 0; n < l.quantity; n++) {
      doc.addPage({ size: [W, H], margin: 0 });
      doc.font('cjk').fontSize(6.5);
      doc.text(l.nameZh ? `${l.nameZh}` : l.name, 4, 3, { width: W - 8, height: 16, ellipsis: true });
      doc.fontSize(5.5).text(`${l.sku} · ${l.spec}`, 4, 19, { width: W - 8, height: 8, ellipsis: true });
      if (l.productionDate) {
        doc.text(`生产日期 ${l.productionDate} · 保质期 ${l.shelfLifeDays} 天`, 4, 27, { width: W - 8, height: 8, ellipsis: true });
        doc.text(`此日期前食用 Best before ${l.bestBefore}`, 4, 35, { width: W - 8, height: 8, ellipsis: true });
      }
      if (code) doc.image(code, 4, 44, { fit: [W - 8, H - 46], align: 'center' });
    }
  }
  doc.end();
  return done;
}
