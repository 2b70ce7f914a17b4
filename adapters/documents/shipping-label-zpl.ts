/**
 * P2.3 shipping label for thermal printers: the same 4 × 6 in (100 × 150 mm) label as the PDF
 * (adapters/documents/shipping-label.ts), in ZPL II for Zebra-compatible printers at 203 dpi
 * (812 × 1218 dots): the waybill as Code 128 (^BC), a QR code (^BQ), carrier, service, recipient,
 * sender, order, weight, parcel n of m. Text is UTF-8 (^CI28); field data is hex-escaped (^FH) so a
 * name with ^ or ~ cannot end a field or issue a command. Chinese text prints with the printer's own
 * CJK font (^A@ naming it, BOXFLOW_ZPL_CJK_FONT, default E:ANMDJ.TTF, Zebra's Andale Mono CJK);
 * a printer without one prints boxes for those characters, the barcodes are unaffected.
 */
import type { LabelAddress, ShippingLabelInput } from './shipping-label';

export const ZPL_DOTS_WIDE = 812;
export const ZPL_DOTS_LONG = 1218;

/** Field data safe inside ^FH_^FD…^FS: ^, ~ and _ (the escape) hex-escaped; control characters dropped. */
export function zplField(text: string): string {
  return Array.from(text.replace(/[\u0000-\u001f\u007f]/g, ' '))
    .map((ch) => (ch === '^' || ch === '~' || ch === '_' ? `_${ch.charCodeAt(0).toString(16).toUpperCase()}` : ch))
    .join('');
}

const addressLines = (a: LabelAddress) => [`${a.name}  ${a.phone}`, [a.province, a.city].filter(Boolean).join(' '), a.line1, a.line2 ?? '', `${a.postalCode} ${a.country}`].filter(Boolean);

export function renderShippingLabelZpl(input: ShippingLabelInput, opts: { cjkFont?: string } = {}): string {
  const font = opts.cjkFont ?? process.env.BOXFLOW_ZPL_CJK_FONT ?? 'E:ANMDJ.TTF';
  const text = (x: number, y: number, h: number, s: string) => `^FO${x},${y}^A@N,${h},${h},${font}^FH_^FD${zplField(s)}^FS`;
  const line = (y: number) => `^FO20,${y}^GB772,3,3^FS`;
  const out: string[] = ['^XA', '^CI28', `^PW${ZPL_DOTS_WIDE}`, `^LL${ZPL_DOTS_LONG}`, '^LH0,0'];
  // Carrier and service, parcel n of m.
  out.push(text(20, 20, 44, `${input.carrier.nameZh} ${input.carrier.name}`));
  out.push(text(20, 72, 26, input.serviceLevel === 'express' ? '特快 Express' : '标准 Standard'));
  out.push(`^FO600,20^A0N,44,44^FB192,1,0,R^FH_^FD${zplField(`${input.parcelIndex} / ${input.parcelCount}`)}^FS`);
  out.push(line(110));
  // The waybill as Code 128 (mode A: automatic subsets), human-readable line under it.
  out.push(`^FO40,135^BY3,3,170^BCN,170,N,N,N,A^FD${zplField(input.waybillNo)}^FS`);
  out.push(`^FO20,320^A0N,40,40^FB772,1,0,C^FH_^FD${zplField(input.waybillNo)}^FS`);
  out.push(line(375));
  // Recipient (收件人), large; sender (寄件人), small.
  out.push(text(20, 390, 24, '收件人 To'));
  addressLines(input.recipient).forEach((l, i) => out.push(text(20, 422 + i * 40, 34, l)));
  out.push(line(660));
  out.push(text(20, 675, 22, '寄件人 From'));
  addressLines(input.sender).forEach((l, i) => out.push(text(20, 703 + i * 28, 22, l)));
  // QR code (model 2, magnification 6; QA: quality Q, automatic input mode).
  out.push(`^FO560,680^BQN,2,6^FDQA,${zplField(`${input.carrier.code}:${input.waybillNo}:${input.orderNo}`)}^FS`);
  out.push(line(935));
  out.push(text(20, 955, 26, `订单 Order  ${input.orderNo}`));
  out.push(text(20, 995, 26, `重量 Weight  ${(input.weightGrams / 1000).toFixed(2)} kg`));
  out.push(text(20, 1035, 26, `包裹 Parcel  ${input.parcelIndex} / ${input.parcelCount}`));
  out.push(text(20, 1075, 26, `打印 Printed  ${input.printedAt.replace('T', ' ').slice(0, 16)} UTC`));
  out.push(text(520, 1170, 22, 'BoxFlow 发货中心'));
  out.push('^PQ1', '^XZ');
  return `${out.join('\n')}\n`;
}
