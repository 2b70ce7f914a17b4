import { stripImageMetadata } from '../../adapters/images/strip-metadata';

const seg = (marker: number, payload: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
const GPS = Buffer.from('Exif\0\0MM\0*GPSLatitude 31.2304N GPSLongitude 121.4737E Canon EOS', 'latin1');

describe('stripImageMetadata', () => {
  test('JPEG: EXIF/GPS (APP1), IPTC (APP13) and comments go; JFIF, ICC and the image data stay byte for byte', () => {
    const jfif = seg(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'));
    const icc = seg(0xe2, Buffer.from('ICC_PROFILE\0profile', 'latin1'));
    const scan = Buffer.concat([seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0])), Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56]), Buffer.from([0xff, 0xd9])]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, seg(0xe1, GPS), icc, seg(0xed, Buffer.from('Photoshop 3.0 IPTC by-line', 'latin1')), seg(0xfe, Buffer.from('shot at home', 'latin1')), seg(0xdb, Buffer.alloc(65, 1)), scan]);
    const out = stripImageMetadata(jpeg, 'image/jpeg')!;
    expect(jpeg.toString('latin1')).toContain('GPSLatitude'); // the control
    for (const gone of ['Exif', 'GPS', 'IPTC', 'shot at home', 'Canon']) expect(out.toString('latin1')).not.toContain(gone);
    expect(out).toEqual(Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, icc, seg(0xdb, Buffer.alloc(65, 1)), scan]));
  });

  test('PNG: eXIf and text chunks go, image chunks stay', () => {
    const chunk = (type: string, data: Buffer) => { const h = Buffer.alloc(8); h.writeUInt32BE(data.length, 0); h.write(type, 4, 'latin1'); return Buffer.concat([h, data, Buffer.alloc(4)]); };
    const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const keep = [chunk('IHDR', Buffer.alloc(13)), chunk('IDAT', Buffer.from('pixels')), chunk('IEND', Buffer.alloc(0))];
    const png = Buffer.concat([sig, keep[0], chunk('eXIf', GPS), chunk('tEXt', Buffer.from('Author\0me', 'latin1')), keep[1], keep[2]]);
    expect(stripImageMetadata(png, 'image/png')).toEqual(Buffer.concat([sig, ...keep]));
  });

  test('WebP: EXIF and XMP chunks go and the VP8X flags say so; the RIFF size is right', () => {
    const chunk = (type: string, data: Buffer) => { const h = Buffer.alloc(8); h.write(type, 0, 'latin1'); h.writeUInt32LE(data.length, 4); return Buffer.concat([h, data, Buffer.alloc(data.length % 2)]); };
    const vp8x = Buffer.alloc(10);
    vp8x[0] = 0x08 | 0x04;
    const body = Buffer.concat([chunk('VP8X', vp8x), chunk('VP8 ', Buffer.from('imagedata')), chunk('EXIF', GPS), chunk('XMP ', Buffer.from('<x:xmpmeta/>'))]);
    const head = Buffer.alloc(12);
    head.write('RIFF', 0, 'latin1');
    head.writeUInt32LE(4 + body.length, 4);
    head.write('WEBP', 8, 'latin1');
    const out = stripImageMetadata(Buffer.concat([head, body]), 'image/webp')!;
    expect(out.toString('latin1')).not.toContain('GPS');
    expect(out.toString('latin1')).not.toContain('xmpmeta');
    expect(out.toString('latin1')).toContain('imagedata');
    expect(out[12 + 8] & 0x0c).toBe(0);
    expect(out.readUInt32LE(4)).toBe(out.length - 8);
  });

  test('malformed files are refused, not stored as they are', () => {
    expect(stripImageMetadata(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]), 'image/jpeg')).toBeUndefined();
    expect(stripImageMetadata(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'image/jpeg')).toBeUndefined();
    expect(stripImageMetadata(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(3)]), 'image/png')).toBeUndefined();
  });
});
