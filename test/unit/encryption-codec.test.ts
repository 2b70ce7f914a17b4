import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, generateCodecKey, parseCodecKeys } from '../../worker/encryption-codec';

const customer = { name: '王小明', phone: '13800138000', line1: '浦东新区世纪大道 100 号' };
const plain = () => defaultPayloadConverter.toPayload(customer)!;
const bytes = (p: { data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null }) =>
  Buffer.concat([Buffer.from(p.data ?? []), ...Object.values(p.metadata ?? {}).map((v) => Buffer.from(v))]).toString('utf8');

describe('EncryptionCodec (AES-256-GCM)', () => {
  const [k1, k2] = [generateCodecKey('k1'), generateCodecKey('k2')];

  test('the payload is ciphertext with the key id in its metadata, and decodes back to the same value', async () => {
    const codec = new EncryptionCodec(parseCodecKeys(k1));
    expect(bytes(plain())).toContain('13800138000'); // the control: unencrypted, the phone is in clear text
    const [sealed] = await codec.encode([plain()]);
    expect(bytes(sealed)).not.toContain('13800138000');
    expect(Buffer.from(sealed.metadata!.encoding).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed.metadata!['encryption-key-id']).toString()).toBe('k1');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual(customer);
  });

  test('unencrypted payloads (histories recorded before) pass through decode unchanged', async () => {
    const codec = new EncryptionCodec(parseCodecKeys(k1));
    const p = plain();
    expect(await codec.decode([p])).toEqual([p]);
  });

  test('rotation: the first key encrypts, every listed key decrypts; a retired key that is dropped cannot', async () => {
    const before = new EncryptionCodec(parseCodecKeys(k1));
    const [old] = await before.encode([plain()]);
    const rotated = new EncryptionCodec(parseCodecKeys(`${k2},${k1}`));
    const [fresh] = await rotated.encode([plain()]);
    expect(Buffer.from(fresh.metadata!['encryption-key-id']).toString()).toBe('k2');
    expect((await rotated.decode([old, fresh])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([customer, customer]);
    await expect(new EncryptionCodec(parseCodecKeys(k2)).decode([old])).rejects.toThrow(/no codec key "k1"/);
  });

  test('tampering is detected: a flipped bit, or the key id swapped', async () => {
    const codec = new EncryptionCodec(parseCodecKeys(`${k1},${k2}`));
    const [sealed] = await codec.encode([plain()]);
    const flipped = Buffer.from(sealed.data!);
    flipped[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data: new Uint8Array(flipped) }])).rejects.toThrow();
    await expect(codec.decode([{ ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': new Uint8Array(Buffer.from('k2')) } }])).rejects.toThrow();
  });

  test('BOXFLOW_CODEC_KEYS is checked: 32-byte keys, unique ids', () => {
    expect(parseCodecKeys(undefined)).toEqual([]);
    expect(() => parseCodecKeys(`k1:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseCodecKeys('no-colon')).toThrow(/BOXFLOW_CODEC_KEYS/);
    expect(() => parseCodecKeys(`${k1},${k1}`)).toThrow(/unique/);
  });
});
