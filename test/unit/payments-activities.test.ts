/**
 * Payment activities and db/payments against a real (temporary) SQLite database and the sandbox
 * provider, called directly (they use no activity context). Temporal's part (retries, signals)
 * is the workflow's integration tests' business; here: what each call writes and answers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createPaymentActivities } from '../../activities/payment.activities';
import type { ActivityDeps } from '../../activities/deps';
import { createSandboxPaymentProvider, PaymentProvider, PaymentProviderUnavailableError } from '../../adapters/payments';
import { createDb, Db, migrateToLatest } from '../../db/knex';
import { insertOrder } from '../../db/orders';
import { getCharge, listPayments, recordRefund, sumRefunded } from '../../db/payments';
import { seedDemoCatalog } from '../../db/seed';
import { dbTime } from '../../db/time';

let dir: string;
let db: Db;
let acts: ReturnType<typeof createPaymentActivities>;

function activitiesWith(payments: PaymentProvider) {
  const deps = { db, payments, carriers: (() => { throw new Error('no carriers here'); }) as never, settings: { sandbox: true, timeScale: 1 }, tracker: undefined as never, sender: undefined as never } as ActivityDeps;
  return createPaymentActivities(deps);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-payment-acts-'));
  db = createDb({ dataDir: dir, databaseUrl: `sqlite:${path.join(dir, 'app.sqlite')}` });
  await migrateToLatest(db);
  await seedDemoCatalog(db);
  acts = activitiesWith(createSandboxPaymentProvider(db));
});
afterAll(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** An order of 2 × 69.00 CNY = 138.00 with the given payment token. */
async function newOrder(token: string): Promise<string> {
  const orderNo = `PA-${++n}-${Date.now().toString(36)}`;
  await insertOrder(
    db,
    {
      orderNo,
      type: 'retail',
      customer: { name: 'Test', phone: '13800138000' },
      shippingAddress: { name: 'Test', phone: '13800138000', line1: 'Road 1', city: 'Shanghai', postalCode: '200120', country: 'CN' },
      lines: [{ sku: 'BB-MOLLY-SPACE', quantity: 2, unitPrice: 69 }],
      currency: 'CNY',
      payment: { method: 'card', token },
    },
    { workflowId: `order-${orderNo}`, requestHash: 'x', now: dbTime() },
  );
  return orderNo;
}
const ledger = (orderNo: string, kind?: string) => db('sandbox_payment_operations').where({ order_no: orderNo, ...(kind ? { kind } : {}) });

async function expectFailure(p: Promise<unknown>, type: string, nonRetryable: boolean) {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe(type);
  expect((err as ApplicationFailure).nonRetryable).toBe(nonRetryable);
}

describe('requestPayment', () => {
  test('tok_paid: succeeded, recorded once however often it is retried', async () => {
    const o = await newOrder('tok_paid');
    const first = await acts.requestPayment({ orderNo: o });
    expect(first).toEqual({ status: 'succeeded', reference: expect.stringMatching(/^sbx_ch_/) });
    expect(await acts.requestPayment({ orderNo: o })).toEqual(first);
    expect(await ledger(o)).toHaveLength(1);
    expect(await listPayments(db, o)).toEqual([
      expect.objectContaining({ kind: 'charge', idempotencyKey: `charge:${o}`, amount: 138, currency: 'CNY', status: 'succeeded', providerRef: first.reference }),
    ]);
  });

  test('tok_declined: failed with the reason', async () => {
    const o = await newOrder('tok_declined');
    const r = await acts.requestPayment({ orderNo: o });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/declin/);
    expect((await getCharge(db, o))?.status).toBe('failed');
  });

  test('a missing order is a non-retryable failure', async () => {
    await expectFailure(acts.requestPayment({ orderNo: 'NO-SUCH-ORDER' }), 'NotFound', true);
  });

  test('a provider outage is retryable, and the retry charges once', async () => {
    const o = await newOrder('tok_paid');
    const sandbox = createSandboxPaymentProvider(db);
    let outages = 1;
    const flaky: PaymentProvider = {
      async charge(req) {
        const r = await sandbox.charge(req); // charged, but the answer is lost on the way back
        if (outages-- > 0) throw new PaymentProviderUnavailableError('timeout');
        return r;
      },
      refund: (req) => sandbox.refund(req),
      void: (req) => sandbox.void(req),
    };
    const a = activitiesWith(flaky);
    await expectFailure(a.requestPayment({ orderNo: o }), 'PaymentProviderUnavailable', false);
    expect((await a.requestPayment({ orderNo: o })).status).toBe('succeeded');
    expect(await ledger(o)).toHaveLength(1);
  });
});

describe('recordPaymentResult (webhook result for a pending charge)', () => {
  test('pending → succeeded once; repeats and contrary results change nothing', async () => {
    const o = await newOrder('tok_pending');
    const charged = await acts.requestPayment({ orderNo: o });
    expect(charged.status).toBe('pending');
    expect(await acts.recordPaymentResult({ orderNo: o, status: 'succeeded', reference: charged.reference })).toEqual({ status: 'succeeded', changed: true });
    expect(await acts.recordPaymentResult({ orderNo: o, status: 'succeeded' })).toEqual({ status: 'succeeded', changed: false });
    expect(await acts.recordPaymentResult({ orderNo: o, status: 'failed' })).toEqual({ status: 'succeeded', changed: false });
    // A retried requestPayment now sees the decision; still one charge at the provider.
    expect(await acts.requestPayment({ orderNo: o })).toEqual({ status: 'succeeded', reference: charged.reference });
    expect(await ledger(o)).toHaveLength(1);
    // The sandbox ledger followed the webhook, so the charge can be refunded.
    expect(await acts.refundPayment({ orderNo: o, amount: 10, reason: 'test', idempotencyKey: `refund:${o}:t` })).toEqual({ refunded: true, amount: 10 });
  });

  test('pending → failed', async () => {
    const o = await newOrder('tok_pending');
    await acts.requestPayment({ orderNo: o });
    expect(await acts.recordPaymentResult({ orderNo: o, status: 'failed' })).toEqual({ status: 'failed', changed: true });
    expect((await getCharge(db, o))?.status).toBe('failed');
    expect(await acts.refundPayment({ orderNo: o, amount: 10, reason: 'test', idempotencyKey: `refund:${o}:t` })).toEqual({ refunded: false, amount: 0 });
  });

  test('no charge yet, or no order: non-retryable', async () => {
    const o = await newOrder('tok_pending');
    await expectFailure(acts.recordPaymentResult({ orderNo: o, status: 'succeeded' }), 'NotFound', true);
    await expectFailure(acts.recordPaymentResult({ orderNo: 'NO-SUCH-ORDER', status: 'succeeded' }), 'NotFound', true);
  });
});

describe('refundPayment', () => {
  test('refunds up to the charge, capped, and the same key never refunds twice', async () => {
    const o = await newOrder('tok_paid');
    await acts.requestPayment({ orderNo: o });
    const a = { orderNo: o, amount: 50.005, reason: 'line cancelled', idempotencyKey: `refund:${o}:line1` };
    expect(await acts.refundPayment(a)).toEqual({ refunded: true, amount: 50.01 });
    expect(await acts.refundPayment(a)).toEqual({ refunded: true, amount: 50.01 });
    expect(await acts.refundPayment({ ...a, amount: 999 })).toEqual({ refunded: true, amount: 50.01 }); // same key: first result
    expect(await acts.refundPayment({ orderNo: o, amount: 100, reason: 'order cancelled', idempotencyKey: `refund:${o}:cancel` })).toEqual({ refunded: true, amount: 87.99 });
    expect(await acts.refundPayment({ orderNo: o, amount: 1, reason: 'again', idempotencyKey: `refund:${o}:more` })).toEqual({ refunded: false, amount: 0 });
    expect(await sumRefunded(db, o)).toBe(138);
    expect(await ledger(o, 'refund')).toHaveLength(2);
  });

  test('several refunds at once never exceed the charge', async () => {
    const o = await newOrder('tok_paid');
    await acts.requestPayment({ orderNo: o });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => acts.refundPayment({ orderNo: o, amount: 30, reason: 'parallel', idempotencyKey: `refund:${o}:${i}` })),
    );
    expect(results.reduce((s, r) => s + r.amount, 0)).toBe(138);
    expect(await sumRefunded(db, o)).toBe(138);
  });

  test('nothing is refunded without a succeeded charge', async () => {
    for (const token of ['tok_declined', 'tok_pending']) {
      const o = await newOrder(token);
      await acts.requestPayment({ orderNo: o });
      expect(await acts.refundPayment({ orderNo: o, amount: 10, reason: 'x', idempotencyKey: `refund:${o}:x` })).toEqual({ refunded: false, amount: 0 });
      expect(await ledger(o, 'refund')).toHaveLength(0);
      expect((await listPayments(db, o)).filter((p) => p.kind === 'refund')).toHaveLength(0);
    }
    const never = await newOrder('tok_paid');
    expect(await acts.refundPayment({ orderNo: never, amount: 10, reason: 'x', idempotencyKey: `refund:${never}:x` })).toEqual({ refunded: false, amount: 0 });
  });

  test('a crash after the intent was written, or after the provider refunded, still refunds once', async () => {
    const o = await newOrder('tok_paid');
    const charge = await acts.requestPayment({ orderNo: o });
    // Crash 1: intent written, provider never asked.
    await recordRefund(db, { orderNo: o, idempotencyKey: `refund:${o}:a`, requestedAmount: 20, reason: 'a' });
    expect(await acts.refundPayment({ orderNo: o, amount: 20, reason: 'a', idempotencyKey: `refund:${o}:a` })).toEqual({ refunded: true, amount: 20 });
    // Crash 2: intent written and the provider refunded, the answer never recorded.
    const intent = await recordRefund(db, { orderNo: o, idempotencyKey: `refund:${o}:b`, requestedAmount: 30, reason: 'b' });
    await createSandboxPaymentProvider(db).refund({ idempotencyKey: `refund:${o}:b`, orderNo: o, amount: intent!.amount, currency: 'CNY', chargeReference: charge.reference, reason: 'b' });
    expect(await acts.refundPayment({ orderNo: o, amount: 30, reason: 'b', idempotencyKey: `refund:${o}:b` })).toEqual({ refunded: true, amount: 30 });
    expect(await ledger(o, 'refund')).toHaveLength(2);
    expect(await sumRefunded(db, o)).toBe(50);
  });

  test('bad requests are non-retryable', async () => {
    const o = await newOrder('tok_paid');
    await acts.requestPayment({ orderNo: o });
    await expectFailure(acts.refundPayment({ orderNo: o, amount: 0, reason: 'x', idempotencyKey: 'k0' }), 'InvalidInput', true);
    await expectFailure(acts.refundPayment({ orderNo: o, amount: 5, reason: 'x', idempotencyKey: '' }), 'InvalidInput', true);
    await expectFailure(acts.refundPayment({ orderNo: 'NO-SUCH-ORDER', amount: 5, reason: 'x', idempotencyKey: 'k1' }), 'NotFound', true);
    // The charge's own key is not a refund key.
    await expectFailure(acts.refundPayment({ orderNo: o, amount: 5, reason: 'x', idempotencyKey: `charge:${o}` }), 'IdempotencyKeyReuse', true);
  });
});
