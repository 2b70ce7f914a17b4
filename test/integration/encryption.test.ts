/**
 * Encrypted workflow payloads: with BOXFLOW_CODEC_KEYS the web client and the worker seal every
 * payload, so that a history read back raw from the Temporal server (no codec) holds no customer
 * phone, name or address in clear text; the codec endpoint (Temporal's codec-server protocol) opens
 * them for a signed-in supervisor only.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import request from 'supertest';
import { EncryptionCodec, generateCodecKey, parseCodecKeys } from '../../worker/encryption-codec';
import { createHarness, Harness, orderResult, sampleOrder, signIn } from '../support/harness';
import { expectLedgerHolds } from '../support/ledger';

const KEYS = generateCodecKey('test-1');
const PHONE = '13912345678';
let h: Harness;
let raw: Client;
let rawConnection: Connection;

beforeAll(async () => {
  h = await createHarness({ env: { BOXFLOW_CODEC_KEYS: KEYS } });
  rawConnection = await Connection.connect({ address: h.temporalAddress });
  raw = new Client({ connection: rawConnection, namespace: h.settings.temporal.namespace }); // no codec: what the server stores
});
afterAll(async () => {
  try {
    await expectLedgerHolds(h);
  } finally {
    await rawConnection?.close();
    await h?.close();
  }
});

function payloadsOf(history: unknown): Array<{ metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }> {
  const out: Array<{ metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }> = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
    const o = v as Record<string, unknown>;
    if (o.data instanceof Uint8Array && o.metadata && typeof o.metadata === 'object') out.push(o as never);
    for (const [k, x] of Object.entries(o)) if (k !== 'markerRecordedEventAttributes') walk(x); // patch markers are the SDK's own, never customer data
  };
  walk(history);
  return out;
}

let orderNo: string;
let sealed: ReturnType<typeof payloadsOf>;

test('an order ships with encrypted payloads, and its history read back raw holds no phone, name or address', async () => {
  const order = sampleOrder({
    customer: { name: '李秘密', phone: PHONE, email: 'secret@example.cn' },
    shippingAddress: { name: '李秘密', phone: PHONE, line1: '徐汇区保密路 7 号', city: '上海', province: '上海', postalCode: '200030', country: 'CN' },
  });
  orderNo = order.orderNo;
  expect((await h.api().post('/api/orders').send(order)).status).toBe(201);
  expect((await orderResult(h, order.orderNo)).status).toBe('shipped');

  const history = await raw.workflow.getHandle(`order-${order.orderNo}`).fetchHistory();
  const wire = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  for (const secret of [PHONE, '李秘密', '保密路', 'secret@example.cn']) expect(wire.includes(Buffer.from(secret, 'utf8'))).toBe(false);

  // Every payload but the search attributes (status, type, carrier: indexed, so never encrypted) is sealed.
  const all = payloadsOf(history);
  sealed = all.filter((p) => !p.metadata?.type);
  expect(sealed.length).toBeGreaterThan(10);
  expect(sealed.filter((p) => Buffer.from(p.metadata!.encoding ?? []).toString() !== 'binary/encrypted').map((p) => Buffer.from(p.data ?? []).toString())).toEqual([]);
  // The control: the same payloads opened with the key do hold the phone (the search above could find it).
  const opened = await new EncryptionCodec(parseCodecKeys(KEYS)).decode(sealed as never);
  expect(Buffer.concat(opened.map((p) => Buffer.from(p.data ?? []))).includes(Buffer.from(PHONE))).toBe(true);
});

test('the codec endpoint decodes for a supervisor only (Temporal codec-server protocol)', async () => {
  const body = { payloads: sealed.slice(0, 3).map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') })) };
  expect((await request(h.app).post('/codec/decode').send(body)).status).toBe(401);
  const staff = await signIn(h, 'staff');
  expect((await staff.agent.post('/codec/decode').send(body)).status).toBe(403);
  const supervisor = await signIn(h, 'supervisor');
  const res = await supervisor.agent.post('/codec/decode').set('X-Namespace', 'default').send(body);
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body.payloads).toHaveLength(3);
  const text = res.body.payloads.map((p: { data: string }) => Buffer.from(p.data, 'base64').toString('utf8')).join('');
  expect(text).toContain(PHONE);
  expect(Buffer.from(res.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');

  // encode → decode round trip; malformed bodies are refused.
  const plain = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify({ phone: PHONE })).toString('base64') }] };
  const enc = await supervisor.agent.post('/codec/encode').send(plain);
  expect(enc.status).toBe(200);
  expect(Buffer.from(enc.body.payloads[0].data, 'base64').toString('latin1')).not.toContain(PHONE);
  const dec = await supervisor.agent.post('/codec/decode').send(enc.body);
  expect(dec.body).toEqual(plain);
  expect((await supervisor.agent.post('/codec/decode').send({ payloads: 'x' })).status).toBe(400);
  expect((await supervisor.agent.post('/codec/decode').send({ payloads: [{ data: '%%%' }] })).status).toBe(400);
});

test('the order page and the API still read the order (the app decrypts through its client)', async () => {
  const res = await h.api().get(`/api/orders/${orderNo}`);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('shipped');
});
