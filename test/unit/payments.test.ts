/**
 * The sandbox payment provider against a real (temporary) SQLite database: test tokens, the
 * idempotency contract (one ledger row per key, the same answer every time) and refund limits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPaymentProvider, createSandboxPaymentProvider, IdempotencyKeyReuseError, SandboxPaymentProvider } from '../../adapters/payments';
import { roundToCents, toCents } from '../../adapters/payments/money';
import { createDb, Db, migrateToLatest } from '../../db/knex';

let dir: string;
let db: Db;
let provider: SandboxPaymentProvider;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-payments-'));
  db = createDb({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'app.sqlite')}` });
  await migrateToLatest(db);
  provider = createSandboxPaymentProvider(db);
});
afterAll(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const orderNo = () => `PAY-${++n}`;
const charge = (o: string, token: string, amount = 138) => provider.charge({ idempotencyKey: `charge:${o}`, orderNo: o, amount, currency: 'CNY', token });
const ops = async (where: Record<string, unknown>) => db('sandbox_payment_operations').where(where).orderBy('id');

describe('test tokens', () => {
  test('tok_paid succeeds at once', async () => {
    const o = orderNo();
    const r = await charge(o, 'tok_paid');
    expect(r).toEqual({ status: 'succeeded', reference: expect.stringMatching(/^sbx_ch_\d+$/) });
    expect(await ops({ order_no: o })).toEqual([expect.objectContaining({ kind: 'charge', status: 'succeeded', amount: 138 })]);
  });

  test('tok_declined fails at once with a reason', async () => {
    const r = await charge(orderNo(), 'tok_declined');
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/declin/);
  });

  test('tok_pending stays pending until settled (what its webhook then reports)', async () => {
    const o = orderNo();
    const r = await charge(o, 'tok_pending');
    expect(r.status).toBe('pending');
    expect(await charge(o, 'tok_pending')).toEqual(r);
    expect(await provider.settle(r.reference, 'succeeded')).toBe('succeeded');
    // Decided once: a second, different decision does not change it.
    expect(await provider.settle(r.reference, 'failed')).toBe('succeeded');
    expect(await charge(o, 'tok_pending')).toEqual({ status: 'succeeded', reference: r.reference });
  });

  test('a pending charge voided can no longer be paid; voiding again answers the same', async () => {
    const o = orderNo();
    const r = await charge(o, 'tok_pending');
    const v = { idempotencyKey: `void:${o}`, orderNo: o, chargeReference: r.reference, reason: 'order cancelled' };
    expect(await provider.void(v)).toEqual({ status: 'voided', reference: r.reference });
    expect(await provider.void(v)).toEqual({ status: 'voided', reference: r.reference });
    expect(await provider.settle(r.reference, 'succeeded')).toBe('voided');
    expect(await charge(o, 'tok_pending')).toEqual({ status: 'failed', reference: r.reference, reason: expect.stringMatching(/voided/) });
  });

  test('voiding a charge that was already paid says so (the caller refunds it)', async () => {
    const o = orderNo();
    const r = await charge(o, 'tok_pending');
    await provider.settle(r.reference, 'succeeded');
    expect(await provider.void({ idempotencyKey: `void:${o}`, orderNo: o, chargeReference: r.reference, reason: 'too late' })).toEqual({ status: 'succeeded', reference: r.reference });
    const declined = await charge(orderNo(), 'tok_declined');
    expect((await provider.void({ idempotencyKey: 'void:x', orderNo: `PAY-${n}`, chargeReference: declined.reference, reason: 'x' })).status).toBe('failed');
  });

  test('an unknown token fails with a reason naming the test tokens', async () => {
    const r = await charge(orderNo(), 'tok_whatever');
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/unknown sandbox token "tok_whatever".*tok_paid/);
  });

  test('a negative amount fails', async () => {
    expect((await charge(orderNo(), 'tok_paid', -1)).status).toBe('failed');
  });
});

describe('idempotency: the same key returns the first result and never charges twice', () => {
  test('the same charge twice, and ten at once: one ledger row, one answer', async () => {
    const o = orderNo();
    const first = await charge(o, 'tok_paid');
    const again = await Promise.all(Array.from({ length: 10 }, () => charge(o, 'tok_paid')));
    for (const r of again) expect(r).toEqual(first);
    expect(await ops({ idempotency_key: `charge:${o}` })).toHaveLength(1);
  });

  test('a declined charge stays declined under its key', async () => {
    const o = orderNo();
    const first = await charge(o, 'tok_declined');
    expect(await charge(o, 'tok_declined')).toEqual(first);
    expect(await ops({ order_no: o })).toHaveLength(1);
  });

  test('reusing a key for another amount or order is refused', async () => {
    const o = orderNo();
    await charge(o, 'tok_paid', 100);
    await expect(charge(o, 'tok_paid', 101)).rejects.toBeInstanceOf(IdempotencyKeyReuseError);
    await expect(provider.charge({ idempotencyKey: `charge:${o}`, orderNo: 'OTHER-1', amount: 100, currency: 'CNY', token: 'tok_paid' })).rejects.toBeInstanceOf(IdempotencyKeyReuseError);
    expect(await ops({ idempotency_key: `charge:${o}` })).toHaveLength(1);
  });

  test('the same refund key twice refunds once', async () => {
    const o = orderNo();
    const c = await charge(o, 'tok_paid', 100);
    const req = { idempotencyKey: `refund:${o}:cancel`, orderNo: o, amount: 40, currency: 'CNY', chargeReference: c.reference, reason: 'cancelled' };
    const first = await provider.refund(req);
    expect(first).toEqual({ status: 'succeeded', reference: expect.stringMatching(/^sbx_re_\d+$/) });
    expect(await provider.refund(req)).toEqual(first);
    expect(await ops({ order_no: o, kind: 'refund' })).toHaveLength(1);
    await expect(provider.refund({ ...req, amount: 41 })).rejects.toBeInstanceOf(IdempotencyKeyReuseError);
  });
});

describe('refunds never exceed the charge', () => {
  const refund = (o: string, ref: string, key: string, amount: number) =>
    provider.refund({ idempotencyKey: key, orderNo: o, amount, currency: 'CNY', chargeReference: ref, reason: 'test' });

  test('partial refunds up to the charged amount, then refused', async () => {
    const o = orderNo();
    const c = await charge(o, 'tok_paid', 100.3);
    expect((await refund(o, c.reference, 'r1', 60.1)).status).toBe('succeeded');
    expect((await refund(o, c.reference, 'r2', 40.21)).status).toBe('failed'); // 40.20 left
    expect((await refund(o, c.reference, 'r3', 40.2)).status).toBe('succeeded');
    const tooMuch = await refund(o, c.reference, 'r4', 0.01);
    expect(tooMuch.status).toBe('failed');
    expect(tooMuch.reason).toMatch(/amount_too_large/);
    const refunded = (await ops({ order_no: o, kind: 'refund', status: 'succeeded' })).reduce((s, r) => s + toCents(Number(r.amount)), 0);
    expect(refunded).toBe(toCents(100.3));
  });

  test('many refunds at once cannot together exceed the charge', async () => {
    const o = orderNo();
    const c = await charge(o, 'tok_paid', 100);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => refund(o, c.reference, `par-${o}-${i}`, 30)));
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(3);
  });

  test('a failed, pending or unknown charge cannot be refunded', async () => {
    const declined = orderNo();
    const d = await charge(declined, 'tok_declined');
    expect((await refund(declined, d.reference, `x-${declined}`, 1)).reason).toMatch(/charge_not_succeeded/);
    const pending = orderNo();
    const p = await charge(pending, 'tok_pending');
    expect((await refund(pending, p.reference, `x-${pending}`, 1)).reason).toMatch(/charge_not_succeeded/);
    const other = orderNo();
    expect((await refund(other, 'sbx_ch_999999', `x-${other}`, 1)).reason).toMatch(/no_such_charge/);
    // Another order's charge is not this order's.
    expect((await refund(other, d.reference, `y-${other}`, 1)).reason).toMatch(/no_such_charge/);
  });

  test('a zero or negative refund is refused', async () => {
    const o = orderNo();
    const c = await charge(o, 'tok_paid', 10);
    expect((await refund(o, c.reference, `z-${o}`, 0)).status).toBe('failed');
    expect((await refund(o, c.reference, `n-${o}`, -5)).status).toBe('failed');
  });
});

test('money helpers round to cents without binary surprises', () => {
  expect(toCents(1.005)).toBe(101);
  expect(roundToCents(0.1 + 0.2)).toBe(0.3);
  expect(roundToCents(69 * 3)).toBe(207);
});

test('createPaymentProvider refuses to run without the sandbox', () => {
  expect(() => createPaymentProvider(db, { sandbox: false })).toThrow(/BOXFLOW_ALIPAY_APP_ID is not set/);
  expect(createPaymentProvider(db, { sandbox: true })).toHaveProperty('kind', 'sandbox');
});
