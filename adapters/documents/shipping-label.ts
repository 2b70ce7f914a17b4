/**
 * P1.6 / P2.3 shipping label (电子面单): a 100 × 150 mm PDF for a 4 × 6 in thermal printer, made with
 * pdfkit; the waybill as a Code 128 barcode and a QR code drawn by bwip-js; Chinese text in an
 * embedded CJK font (WenQuanYi Micro Hei from Debian's fonts-wqy-microhei; pdfkit embeds only the
 * glyphs used, so a label stays small).
 */
import fs from 'node:fs';
import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';

export const LABEL_WIDTH_PT = (100 / 25.4) * 72; // 283.46
export const LABEL_HEIGHT_PT = (150 / 25.4) * 72; // 425.20

/** Where the CJK font is looked for: BOXFLOW_CJK_FONT, else Debian's fonts-wqy-microhei. */
export const DEFAULT_CJK_FONTS = ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc'];

export function findCjkFont(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.BOXFLOW_CJK_FONT, ...DEFAULT_CJK_FONTS].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no CJK font for labels: install Debian's fonts-wqy-microhei (apt-get install fonts-wqy-microhei) or set BOXFLOW_CJK_FONT (looked at ${candidates.join(', ')})`);
  return found;
}

export interface LabelAddress {
  name: string;
  phone: string;
  line1: string;
  line2?: string;
  city: string;
  province?: string;
  postalCode: string;
  country: string;
}

export interface ShippingLabelInput {
  waybillNo: string;
  carrier: { code: string; name: string; nameZh: string };
  serviceLevel: string;
  orderNo: string;
  parcelIndex: number;
  parcelCount: number;
  weightGrams: number;
  sender: LabelAddress;
  recipient: LabelAddress;
  /** Printed on the label (ISO); the label is made when first printed. */
  printedAt: string;
}

const addressLines = (a: LabelAddress) => [`${a.name}  ${a.phone}`, [a.province, a.city].filter(Boolean).join(' '), a.line1, a.line2 ?? '', `${a.postalCode} ${a.country}`].filter(Boolean);

export async function renderShippingLabel(input: ShippingLabelInput, fontPath = findCjkFont()): Promise<Buffer> {
  const code128 = await bwipjs.toBuffer({ bcid: 'code128', text: input.waybillNo, scale: 3, height: 14, includetext: false, paddingwidth: 10, paddingheight: 4, backgroundcolor: 'FFFFFF' });
  const qr = await bwipjs.toBuffer({ bcid: 'qrcode', text: `${input.carrier.code}:${input.waybillNo}:${input.orderNo}`, scale: 3, backgroundcolor: 'FFFFFF' });

  const doc = new PDFDocument({
    size: [LABEL_WIDTH_PT, LABEL_HEIGHT_PT],
    margin: 0,
    info: { Title: `${input.carrier.code} ${input.waybillNo}`, Author: 'BoxFlow', Subject: `order ${input.orderNo} parcel ${input.parcelIndex}/${input.parcelCount}` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', fontPath, 'WenQuanYiMicroHei');
  doc.font('cjk');
  const W = LABEL_WIDTH_PT;
  const m = 10;

  // Carrier and service, parcel n of m.
  doc.fontSize(16).text(`${input.carrier.nameZh} ${input.carrier.name}`, m, m, { width: W - 2 * m - 70 });
  doc.fontSize(9).text(`${input.serviceLevel === 'express' ? '特快 Express' : '标准 Standard'}`, m, m + 22);
  doc.fontSize(14).text(`${input.parcelIndex} / ${input.parcelCount}`, W - m - 60, m, { width: 60, align: 'right' });
  doc.moveTo(m, 44).lineTo(W - m, 44).stroke();

  // The waybill as Code 128, with its number under it.
  doc.image(code128, m, 50, { fit: [W - 2 * m, 60], align: 'center' });
  doc.fontSize(13).text(input.waybillNo, m, 114, { width: W - 2 * m, align: 'center' });
  doc.moveTo(m, 134).lineTo(W - m, 134).stroke();

  // Recipient (收件人), large; sender (寄件人), small.
  doc.fontSize(9).text('收件人 To', m, 140);
  doc.fontSize(12).text(addressLines(input.recipient).join('\n'), m, 152, { width: W - 2 * m, lineGap: 1 });
  doc.moveTo(m, 236).lineTo(W - m, 236).stroke();
  doc.fontSize(8).text('寄件人 From', m, 241);
  doc.fontSize(8).text(addressLines(input.sender).join('\n'), m, 251, { width: W - 2 * m - 90 });

  // QR code, order, weight, date.
  doc.image(qr, W - m - 84, 244, { fit: [84, 84] });
  doc.moveTo(m, 334).lineTo(W - m, 334).stroke();
  doc.fontSize(9).text(`订单 Order  ${input.orderNo}`, m, 340);
  doc.text(`重量 Weight  ${(input.weightGrams / 1000).toFixed(2)} kg`, m, 354);
  doc.text(`包裹 Parcel  ${input.parcelIndex} / ${input.parcelCount}`, m, 368);
  doc.text(`打印 Printed  ${input.printedAt.replace('T', ' ').slice(0, 16)} UTC`, m, 382);
  doc.fontSize(7).text('BoxFlow 发货中心', m, LABEL_HEIGHT_PT - 18, { width: W - 2 * m, align: 'right' });
  doc.end();
  return done;
}
