/**
 * Evidence photos lose their metadata before they are stored (issue 13): EXIF (camera, time, GPS
 * position), XMP, IPTC and comments. Done on the container, without re-encoding the image: JPEG
 * APP1/APP3–APP13/APP15 and COM segments, PNG eXIf and text/time chunks, WebP EXIF and XMP chunks
 * (and their VP8X flags). APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform)
 * are kept: the picture must look the same. Returns undefined for a file that is not well-formed.
 */
export function stripImageMetadata(buf: Buffer, mime: string): Buffer | undefined {
  try {
    if (mime === 'image/jpeg') return stripJpeg(buf);
    if (mime === 'image/png') return stripPng(buf);
    if (mime === 'image/webp') return stripWebp(buf);
  } catch {
    return undefined;
  }
  return undefined;
}

const KEEP_JPEG_APP = new Set([0xe0, 0xe2, 0xee]);

function stripJpeg(b: Buffer): Buffer | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  const out: Buffer[] = [b.subarray(0, 2)];
  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) return undefined;
    let marker = b[i + 1];
    while (marker === 0xff) marker = b[++i + 1]; // fill bytes
    if (marker === undefined) return undefined;
    if (marker === 0xd9 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      out.push(b.subarray(i, i + 2));
      i += 2;
      continue;
    }
    if (i + 4 > b.length) return undefined;
    const len = b.readUInt16BE(i + 2);
    if (len < 2 || i + 2 + len > b.length) return undefined;
    if (marker === 0xda) {
      out.push(b.subarray(i)); // start of scan: the compressed image follows to the end
      return Buffer.concat(out);
    }
    const isApp = marker >= 0xe0 && marker <= 0xef;
    const drop = marker === 0xfe || (isApp && !KEEP_JPEG_APP.has(marker));
    if (!drop) out.push(b.subarray(i, i + 2 + len));
    i += 2 + len;
  }
  return undefined; // no image data
}

const DROP_PNG = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripPng(b: Buffer): Buffer | undefined {
  const out: Buffer[] = [b.subarray(0, 8)];
  let i = 8;
  let ended = false;
  while (i + 12 <= b.length) {
    const len = b.readUInt32BE(i);
    const type = b.subarray(i + 4, i + 8).toString('latin1');
    if (i + 12 + len > b.length) return undefined;
    if (!DROP_PNG.has(type)) out.push(b.subarray(i, i + 12 + len));
    i += 12 + len;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  return ended ? Buffer.concat(out) : undefined;
}

function stripWebp(b: Buffer): Buffer | undefined {
  if (b.subarray(0, 4).toString('latin1') !== 'RIFF' || b.subarray(8, 12).toString('latin1') !== 'WEBP') return undefined;
  const chunks: Buffer[] = [];
  let i = 12;
  while (i + 8 <= b.length) {
    const type = b.subarray(i, i + 4).toString('latin1');
    const len = b.readUInt32LE(i + 4);
    const total = 8 + len + (len % 2);
    if (i + 8 + len > b.length) return undefined;
    if (type === 'VP8X') {
      const c = Buffer.from(b.subarray(i, i + Math.min(total, b.length - i)));
      c[8] &= ~(0x08 | 0x04); // EXIF and XMP flags
      chunks.push(c);
    } else if (type !== 'EXIF' && type !== 'XMP ') chunks.push(b.subarray(i, Math.min(i + total, b.length)));
    i += total;
  }
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
