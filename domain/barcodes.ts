/**
 * Barcodes on the warehouse floor (P1.4, P1.8): every catalog item carries an EAN-13 (a whole case
 * has its own SKU, so its own code). Pure.
 */

/** The EAN-13 check digit of 12 digits. */
export function ean13CheckDigit(twelve: string): number {
  if (!/^\d{12}$/.test(twelve)) throw new Error('an EAN-13 body is 12 digits');
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(twelve[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

export function isEan13(code: string): boolean {
  return /^\d{13}$/.test(code) && ean13CheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/** The GS1 check digit of a GTIN's data digits (weights 3, 1, 3, … from the right). */
export function gtinCheckDigit(data: string): number {
  if (!/^\d{7,17}$/.test(data)) throw new Error('GTIN data is 7 to 17 digits');
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Number(data[data.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

export function isGtin14(code: string): boolean {
  return /^\d{14}$/.test(code) && gtinCheckDigit(code.slice(0, 13)) === Number(code[13]);
}

/**
 * A whole case's own barcode (端盒, P1.4/P1.8): the GS1 GTIN-14 of its unit's EAN-13 with packaging
 * indicator 1 (printed as ITF-14 on the carton; a scanner types its 14 digits). Never equal to a
 * unit's 13-digit code.
 */
export function caseBarcodeFor(unitEan13: string): string {
  if (!isEan13(unitEan13)) throw new Error(`${unitEan13} is not an EAN-13`);
  const data = `1${unitEan13.slice(0, 12)}`;
  return `${data}${gtinCheckDigit(data)}`;
}

/**
 * The shop's own EAN-13 for a SKU that has none from its maker: GS1 China prefix 69, ten digits
 * from the SKU (FNV-1a), the check digit. Deterministic, so the demo catalog's labels never change.
 */
export function barcodeForSku(sku: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < sku.length; i++) {
    h ^= sku.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const body = `69${String(h % 10_000_000_000).padStart(10, '0')}`;
  return `${body}${ean13CheckDigit(body)}`;
}
