#!/usr/bin/env node
/*
 * Reads a PDF back as a person's tools would, not with the code that drew it: its text and page
 * sizes (pdf-parse, i.e. Mozilla's PDF.js) and the barcodes of page 1 rendered to pixels, decoded by
 * ZXing. Run as a child process (PDF.js loads its worker by dynamic import, which jest's VM lacks):
 *   node test/support/pdf-read-child.cjs <file.pdf>   → JSON {text, pages:[{width,height}], code128, qr, ean13}
 */
const fs = require('node:fs');
const { PDFParse } = require('pdf-parse');
const { createCanvas, loadImage } = require('@napi-rs/canvas');
const { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, MultiFormatReader, QRCodeReader, RGBLuminanceSource } = require('@zxing/library');

function decode(lum, width, height, format) {
  const hints = new Map([[DecodeHintType.POSSIBLE_FORMATS, [format]], [DecodeHintType.TRY_HARDER, true]]);
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(lum, width, height)));
  try {
    const result = format === BarcodeFormat.QR_CODE ? new QRCodeReader().decode(bitmap, hints) : new MultiFormatReader().decode(bitmap, hints);
    return result.getBarcodeFormat() === format ? result.getText() : null;
  } catch {
    return null;
  }
}

async function main() {
  const data = new Uint8Array(fs.readFileSync(process.argv[2]));
  const parser = new PDFParse({ data });
  const text = (await parser.getText()).text;
  const shot = await parser.getScreenshot({ scale: 3, imageBuffer: true, partial: [1] });
  await parser.destroy();
  const sizes = new PDFParse({ data: new Uint8Array(fs.readFileSync(process.argv[2])) });
  const pages = (await sizes.getScreenshot({ scale: 1, imageBuffer: false })).pages.map((p) => ({ width: p.width, height: p.height }));
  await sizes.destroy();
  const img = await loadImage(Buffer.from(shot.pages[0].data));
  const canvas = createCanvas(img.width, img.height);
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const { data: px, width, height } = g.getImageData(0, 0, img.width, img.height);
  const lum = new Uint8ClampedArray(width * height);
  for (let i = 0; i < width * height; i++) lum[i] = (px[i * 4] * 299 + px[i * 4 + 1] * 587 + px[i * 4 + 2] * 114) / 1000;
  process.stdout.write(JSON.stringify({ text, pages, code128: decode(lum, width, height, BarcodeFormat.CODE_128), qr: decode(lum, width, height, BarcodeFormat.QR_CODE), ean13: decode(lum, width, height, BarcodeFormat.EAN_13) }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
