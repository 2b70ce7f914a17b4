/**
 * The Alipay adapter (adapters/payments/alipay.ts): the pure mappings (trade status, answer codes,
 * out_request_no, yuan in integer fen), the notification check with the SDK's RSA2 verification,
 * and the adapter through alipay-sdk against the gateway stand-in (test/standins/alipay.ts, a local
 * HTTP server in this process).
 */
import crypto from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { chargeStatusOf, checkAlipayNotice, classifyAnswer, createAlipayPaymentProvider, createAlipaySdk, outRequestNoFor } from '../../adapters/payments/alipay';
import { formatYuan, parseYuan, toCents } from '../../adapters/payments/money';
import { PaymentProviderUnavailableError } from '../../adapters/payments/payment-provider';
import { AlipayStandIn, startAlipayStandIn } from '../standins/alipay';

describe('yuan in integer fen', () => {
  test.each([
    [13800, '138.00'],
    [5, '0.05'],
    [10, '0.10'],
    [0, '0.00'],
    [100000001, '1000000.01'],
  ])('formatYuan(%d) = %s', (cents, text) => {
    expect(formatYuan(cents)).toBe(text);
    expect(parseYuan(text)).toBe(cents);
  });

  test('amounts that float arithmetic gets wrong stay exact', () => {
    expect(formatYuan(toCents(0.1 + 0.2))).toBe('0.30');
    expect(formatYuan(toCents(1.005))).toBe('1.01');
    expect(formatYuan(toCents(69 * 3))).toBe('207.00');
  });

  test('parseYuan accepts what Alipay writes and nothing else', () => {
    expect(parseYuan('138')).toBe(13800);
    expect(parseYuan('138.5')).toBe(13850);
    for (const bad of ['', '1.005', '-1.00', '1e3', '1,00', ' ', 'abc', undefined, 12]) expect(parseYuan(bad)).toBeUndefined();
  });

  test('formatYuan refuses fractions and negatives', () => {
    expect(() => formatYuan(1.5)).toThrow(RangeError);
    expect(() => formatYuan(-1)).toThrow(RangeError);
  });
});

describe('mappings', () => {
  test('trade_status → charge status', () => {
    expect(chargeStatusOf('WAIT_BUYER_PAY')).toBe('pending');
    expect(chargeStatusOf('TRADE_SUCCESS')).toBe('succeeded');
    expect(chargeStatusOf('TRADE_FINISHED')).toBe('succeeded');
    expect(chargeStatusOf('TRADE_CLOSED')).toBe('failed');
    expect(chargeStatusOf('TRADE_PENDING')).toBeUndefined();
    expect(chargeStatusOf(undefined)).toBeUndefined();
  });

  test('answer codes', () => {
    expect(classifyAnswer({ code: '10000' })).toBe('ok');
    expect(classifyAnswer({ code: '20000', sub_code: 'isp.unknow-error' })).toBe('retry');
    expect(classifyAnswer({ code: '40004', sub_code: 'ACQ.SYSTEM_ERROR' })).toBe('retry');
    expect(classifyAnswer({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' })).toBe('business');
    expect(classifyAnswer({ code: '40002', sub_code: 'isv.invalid-signature' })).toBe('request');
    expect(classifyAnswer({ code: '40006', sub_code: 'isv.insufficient-isv-permissions' })).toBe('request');
  });

  test('out_request_no: the key when it fits, else a stable digest of at most 64 characters', () => {
    expect(outRequestNoFor('refund:T123:cancel')).toBe('refund:T123:cancel');
    const long = `refund:${'X'.repeat(64)}:return:RMA-1`;
    expect(outRequestNoFor(long)).toBe(outRequestNoFor(long));
    expect(outRequestNoFor(long).length).toBeLessThanOrEqual(64);
    expect(outRequestNoFor(long)).not.toBe(outRequestNoFor(`${long}2`));
    expect(outRequestNoFor('refund:中文')).toMatch(/^k_[0-9a-f]{48}$/);
  });
});

describe('against the gateway stand-in', () => {
  let alipay: AlipayStandIn;
  let n = 0;
  const orderNo = () => `ALI-${process.pid}-${++n}`;
  beforeAll(async () => {
    alipay = await startAlipayStandIn();
  });
  afterAll(async () => {
    await alipay?.close();
  });
  const provider = (overrides = {}) => createAlipayPaymentProvider(alipay.settings({ timeoutMs: 1000, ...overrides }));
  const charge = (o: string, amount = 138) => provider().charge({ idempotencyKey: `charge:${o}`, orderNo: o, amount, currency: 'CNY', token: 'alipay' });

  test('charge = trade.query: not created yet and WAIT_BUYER_PAY are pending, paid succeeded, closed failed', async () => {
    const o = orderNo();
    expect(await charge(o)).toEqual({ status: 'pending', reference: o });
    alipay.createTrade(o, 138);
    expect(await charge(o)).toEqual({ status: 'pending', reference: o });
    alipay.buyerPays(o);
    expect(await charge(o)).toEqual({ status: 'succeeded', reference: o });
    const closed = orderNo();
    alipay.createTrade(closed, 138);
    expect(await provider().void({ idempotencyKey: `void:${closed}`, orderNo: closed, chargeReference: closed, reason: 'test' })).toEqual({ status: 'voided', reference: closed });
    expect(await charge(closed)).toMatchObject({ status: 'failed', reference: closed });
    const last = alipay.calls[alipay.calls.length - 1];
    expect(last).toEqual({ method: 'alipay.trade.query', biz: { out_trade_no: closed }, code: '10000' });
  });

  test('a trade for another amount is never taken as paid', async () => {
    const o = orderNo();
    alipay.createTrade(o, 1.38);
    alipay.buyerPays(o);
    const r = await charge(o, 138);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/amount_mismatch.*1\.38.*138\.00/);
  });

  test('ACQ.SYSTEM_ERROR, a timeout and an answer signed by someone else are "unknown, try again"', async () => {
    const o = orderNo();
    alipay.createTrade(o, 138);
    alipay.failNext('alipay.trade.query', 'ACQ.SYSTEM_ERROR');
    await expect(charge(o)).rejects.toThrow(PaymentProviderUnavailableError);
    alipay.delayNext('alipay.trade.query', 1500);
    await expect(charge(o)).rejects.toThrow(PaymentProviderUnavailableError);
    const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(provider({ alipayPublicKey: stranger }).charge({ idempotencyKey: 'k', orderNo: o, amount: 138, currency: 'CNY', token: '' })).rejects.toThrow(/验签失败|sign/);
    expect(await charge(o)).toEqual({ status: 'pending', reference: o });
  });

  test('a request signed with another app key is refused by the gateway (isv.invalid-signature)', async () => {
    const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(provider({ privateKey: otherKey }).charge({ idempotencyKey: 'k', orderNo: orderNo(), amount: 1, currency: 'CNY', token: '' })).rejects.toThrow(/isv\.invalid-signature/);
  });

  test('refund: out_request_no = the idempotency key, a repeat refunds nothing more, too much is refused', async () => {
    const o = orderNo();
    alipay.createTrade(o, 138);
    alipay.buyerPays(o);
    const req = { idempotencyKey: `refund:${o}:stockout`, orderNo: o, amount: 69, currency: 'CNY', chargeReference: o, reason: '缺货' };
    expect(await provider().refund(req)).toEqual({ status: 'succeeded', reference: req.idempotencyKey });
    expect(await provider().refund(req)).toEqual({ status: 'succeeded', reference: req.idempotencyKey });
    expect(alipay.ledger().filter((x) => x.orderNo === o && x.kind === 'refund')).toEqual([{ orderNo: o, kind: 'refund', status: 'succeeded', amount: 69 }]);
    const sent = alipay.calls.filter((c) => c.method === 'alipay.trade.refund' && c.biz.out_trade_no === o);
    expect(sent[0].biz).toEqual({ out_trade_no: o, refund_amount: '69.00', out_request_no: req.idempotencyKey, refund_reason: '缺货' });
    const tooMuch = await provider().refund({ ...req, idempotencyKey: `refund:${o}:cancel`, amount: 69.01 });
    expect(tooMuch).toMatchObject({ status: 'failed' });
    expect(tooMuch.reason).toMatch(/ACQ\.REFUND_AMT_NOT_EQUAL_TOTAL/);
    expect(await provider().refund({ ...req, idempotencyKey: `refund:${o}:cancel`, amount: 69 })).toMatchObject({ status: 'succeeded' });
    expect(alipay.trade(o)?.status).toBe('TRADE_CLOSED');
  });

  test('void: trade.close; paid meanwhile answers succeeded; not created answers voided; twice answers the same', async () => {
    const paid = orderNo();
    alipay.createTrade(paid, 10);
    alipay.buyerPays(paid);
    expect(await provider().void({ idempotencyKey: `void:${paid}`, orderNo: paid, reason: 'r' })).toEqual({ status: 'succeeded', reference: paid });
    const never = orderNo();
    expect(await provider().void({ idempotencyKey: `void:${never}`, orderNo: never, reason: 'r' })).toEqual({ status: 'voided', reference: never });
    const open = orderNo();
    alipay.createTrade(open, 10);
    expect(await provider().void({ idempotencyKey: `void:${open}`, orderNo: open, reason: 'r' })).toEqual({ status: 'voided', reference: open });
    expect(await provider().void({ idempotencyKey: `void:${open}`, orderNo: open, reason: 'r' })).toEqual({ status: 'voided', reference: open });
    expect(alipay.calls.filter((c) => c.method === 'alipay.trade.close' && c.biz.out_trade_no === open).map((c) => c.subCode ?? c.code)).toEqual(['10000', 'ACQ.TRADE_STATUS_ERROR']);
  });

  describe('the notification check (SDK checkNotifySignV2)', () => {
    let sdk: AlipaySdk;
    beforeAll(() => {
      sdk = createAlipaySdk(alipay.settings());
    });

    test('a genuine notification passes with its fields', () => {
      const o = orderNo();
      alipay.createTrade(o, 138);
      alipay.buyerPays(o);
      const check = checkAlipayNotice(sdk, alipay.appId, alipay.notification(o));
      expect(check).toMatchObject({ ok: true, notice: { outTradeNo: o, tradeStatus: 'TRADE_SUCCESS', totalCents: 13800, appId: alipay.appId } });
    });

    test('tampered, signed by another key, unsigned, another app, RSA (SHA1)', () => {
      const o = orderNo();
      alipay.createTrade(o, 138);
      alipay.buyerPays(o);
      expect(checkAlipayNotice(sdk, alipay.appId, alipay.notification(o, { changes: { total_amount: '1.38' } }))).toMatchObject({ ok: false, error: 'bad_signature' });
      const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      expect(checkAlipayNotice(sdk, alipay.appId, alipay.notification(o, { signWith: stranger }))).toMatchObject({ ok: false, error: 'bad_signature' });
      const { sign: _sign, ...unsigned } = alipay.notification(o);
      expect(checkAlipayNotice(sdk, alipay.appId, unsigned)).toMatchObject({ ok: false, error: 'bad_signature' });
      expect(checkAlipayNotice(sdk, '2021999999999999', alipay.notification(o))).toMatchObject({ ok: false, error: 'wrong_app' });
      expect(checkAlipayNotice(sdk, alipay.appId, alipay.notification(o, { changes: { sign_type: 'RSA' } }))).toMatchObject({ ok: false, error: 'bad_signature' });
    });
  });
});
