import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PdfReading {
  text: string;
  pages: Array<{ width: number; height: number }>;
  /** The Code 128 barcode on page 1, decoded by ZXing from the rendered page (null: none). */
  code128: string | null;
  qr: string | null;
  ean13: string | null;
}

/** Reads a PDF with other tools than the ones that drew it (see pdf-read-child.cjs). */
export async function readPdf(pdf: Buffer): Promise<PdfReading> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-pdf-'));
  const file = path.join(dir, 'doc.pdf');
  fs.writeFileSync(file, pdf);
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [path.join(__dirname, 'pdf-read-child.cjs'), file], { maxBuffer: 10 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    return JSON.parse(out) as PdfReading;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
