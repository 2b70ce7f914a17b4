import crypto from 'node:crypto';
import { METADATA_ENCODING_KEY, Payload, PayloadCodec, ValueError } from '@temporalio/common';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypted workflow payloads (issue 13): every payload the client and the worker hand to Temporal
 * (workflow inputs, activity inputs and results, signals, updates, queries, results) is sealed with
 * AES-256-GCM, so that customer names, phones and addresses are ciphertext in the server's history
 * and database. The key id travels in the payload's metadata, so that keys can be rotated: the
 * first key of BOXFLOW_CODEC_KEYS encrypts, all of them decrypt.
 *
 * Payloads without the `binary/encrypted` encoding pass through unchanged: histories recorded before
 * encryption (test/replay/histories, orders in flight at the switch) still decode and replay.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  key: Buffer;
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/**
 * BOXFLOW_CODEC_KEYS = "<id>:<base64 of 32 bytes>[,<id>:<base64>…]", the first one encrypting.
 * Ids are 1–64 letters, digits, '.', '_' or '-'. Unset or empty: no encryption.
 */
export function parseCodecKeys(raw: string | undefined): CodecKey[] {
  if (!raw || !raw.trim()) return [];
  const keys = raw.split(/[\s,]+/).filter(Boolean).map((entry) => {
    const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    if (!m) throw new Error('BOXFLOW_CODEC_KEYS: each entry must be <key id>:<base64 of 32 random bytes>');
    const key = Buffer.from(m[2], 'base64');
    if (key.length !== 32) throw new Error(`BOXFLOW_CODEC_KEYS: key "${m[1]}" must be 32 bytes (AES-256), got ${key.length}`);
    return { id: m[1], key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('BOXFLOW_CODEC_KEYS: key ids must be unique');
  return keys;
}

export function generateCodecKey(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${crypto.randomBytes(32).toString('base64')}`;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  constructor(private readonly keys: CodecKey[]) {
    if (!keys.length) throw new Error('EncryptionCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeKeyId(): string {
    return this.keys[0].id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0];
    return payloads.map((payload) => {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(id, 'utf8')); // the key id cannot be swapped without failing the tag
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8(id), [METADATA_CIPHER]: utf8(CIPHER) },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload; // recorded before encryption
      const id = text(payload.metadata?.[METADATA_KEY_ID]);
      if (!id) throw new ValueError('an encrypted payload without a key id');
      const key = this.byId.get(id);
      if (!key) throw new ValueError(`no codec key "${id}" (BOXFLOW_CODEC_KEYS must keep every key still found in histories)`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('an encrypted payload too short to hold its IV and tag');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      const decoded = temporal.api.common.v1.Payload.decode(plain);
      return { metadata: decoded.metadata ?? {}, data: decoded.data ?? new Uint8Array() } as Payload;
    });
  }
}

/** The data converter of the client and the worker: with the codec when keys are configured. */
export function dataConverterFor(codecKeys: string | undefined): DataConverter | undefined {
  const keys = parseCodecKeys(codecKeys);
  return keys.length ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}
