/**
 * The live carrier providers' protocol pieces (issue 16): SF's msgDigest against the worked example
 * of SF's signing guide, how SF's answers are read, Kuaidi100's signs, scans and events, the settings.
 */
import crypto from 'node:crypto';
import { classifySfAnswer, createOrderMsgData, javaUrlEncode, sfMsgDigest, sfTime } from '../../adapters/carriers/sf-express-api';
import { beijingTimeToIso, kuaidi100CallbackSign, kuaidi100Events, kuaidi100QuerySign, sameSign } from '../../adapters/carriers/kuaidi100';
import { normalizeCarrierStatus } from '../../domain/tracking';
import { createCarrierRegistry } from '../../adapters/carriers';
import type { Db } from '../../db/knex';

describe('SF open platform msgDigest', () => {
  it('reproduces the worked example of SF\'s signing guide', () => {
    // 丰桥 "数字签名" guide: msgData, timestamp 12312334453453, checkWord fjcg5P… → IIKJtuLVzoFTu4kHI8M8vA==
    expect(sfMsgDigest('{"language":"zh-CN","orderId":"QIAO-20200618-004"}', '12312334453453', 'fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci')).toBe('IIKJtuLVzoFTu4kHI8M8vA==');
  });

  it('URL-encodes as Java\'s URLEncoder does (space → +, * kept, ~ encoded)', () => {
    expect(javaUrlEncode('中 *~+-_.!\'()')).toBe('%E4%B8%AD+*%7E%2B-_.%21%27%28%29');
    // Without the encoding the digest differs: SF would answer A1006.
    expect(sfMsgDigest('{"a":"b c"}', '1', 'k')).not.toBe(crypto.createHash('md5').update('{"a":"b c"}1k').digest('base64'));
  });

  it('reads SF\'s answers: platform errors retry, 8016 looks the order up, other business errors reject', () => {
    expect(classifySfAnswer('A1000', true, undefined)).toBe('ok');
    expect(classifySfAnswer('A1000', false, '8016')).toBe('duplicate');
    for (const code of ['20035', '20036', '8177', '1014', '8119']) expect(classifySfAnswer('A1000', false, code)).toBe('rejected');
    for (const api of ['A1001', 'A1005', 'A1006', 'A1009', 'A1099', '', undefined]) expect(classifySfAnswer(api, false, '8016')).toBe('retry');
    expect(classifySfAnswer('A1000', false, undefined)).toBe('retry');
  });

  it('builds the create-order message with our shipment id as orderId and a pickup when a window is given', () => {
    const req = {
      idempotencyKey: 'ORD1-P1', orderNo: 'ORD1', shipmentId: 'ORD1-P1', weightGrams: 1234, volumeCm3: 1000, declaredValue: 138, currency: 'CNY',
      sender: { name: 'W', phone: '1', line1: 'a', city: 'Shanghai', postalCode: '201100', country: 'CN' },
      recipient: { name: 'R', phone: '2', line1: 'b', city: '上海', province: '上海', postalCode: '200120', country: 'CN' },
    };
    const plain = createOrderMsgData(req, undefined);
    expect(plain).toMatchObject({ orderId: 'ORD1-P1', totalWeight: 1.2, isDocall: 0, parcelQty: 1 });
    expect(plain).not.toHaveProperty('monthlyCard');
    expect((plain.contactInfoList as Array<{ contactType: number }>).map((c) => c.contactType)).toEqual([1, 2]);
    const pickup = createOrderMsgData({ ...req, pickupWindow: { earliest: '2026-12-03T06:00:00.000Z', latest: '2026-12-03T09:00:00.000Z' } }, '7551234567');
    expect(pickup).toMatchObject({ isDocall: 1, sendStartTm: '2026-12-03 14:00:00', monthlyCard: '7551234567', payMethod: 1 });
    expect(sfTime('2026-12-31T16:30:05.000Z')).toBe('2027-01-01 00:30:05');
  });
});

describe('Kuaidi100 signs', () => {
  // MD5("The quick brown fox jumps over the lazy dog") = 9e107d9d372bb6826bd81d3542a419d6 (RFC 1321 test suite style vector).
  it('push: upper(MD5(param + salt))', () => {
    expect(kuaidi100CallbackSign('The quick brown fox ', 'jumps over the lazy dog')).toBe('9E107D9D372BB6826BD81D3542A419D6');
  });
  it('query: upper(MD5(param + key + customer))', () => {
    expect(kuaidi100QuerySign('The quick ', 'brown fox jumps over ', 'the lazy dog')).toBe('9E107D9D372BB6826BD81D3542A419D6');
    expect(kuaidi100QuerySign('The quick ', 'the lazy dog', 'brown fox jumps over ')).not.toBe('9E107D9D372BB6826BD81D3542A419D6');
  });
  it('compares signs in either case, and refuses any other', () => {
    expect(sameSign('9e107d9d372bb6826bd81d3542a419d6', '9E107D9D372BB6826BD81D3542A419D6')).toBe(true);
    expect(sameSign('9E107D9D372BB6826BD81D3542A419D7', '9E107D9D372BB6826BD81D3542A419D6')).toBe(false);
    expect(sameSign('', '9E107D9D372BB6826BD81D3542A419D6')).toBe(false);
  });
});

describe('Kuaidi100 scans → events', () => {
  const result = {
    state: '3', com: 'shunfeng', nu: 'SF100',
    data: [
      { time: '2026-12-04 10:00:00', context: '已签收', statusCode: '301', areaName: '上海' },
      { time: '2026-12-04 08:00:00', context: '派件中', status: '派件' },
      { time: '2026-12-03 18:00:00', context: '运输中', status: 'something new' },
      { time: '2026-12-03 12:00:00', context: '已揽收', status: '揽收' },
      { time: 'not a time', context: 'dropped' },
    ],
  };
  it('oldest first, the newest with the parcel\'s state, older ones with their own known status or 在途', () => {
    const ev = kuaidi100Events('SF100', result);
    expect(ev.map((e) => e.rawStatus)).toEqual(['揽收', '在途', '派件', '签收']);
    expect(ev.map((e) => normalizeCarrierStatus('SF', e.rawStatus))).toEqual(['info_received', 'in_transit', 'out_for_delivery', 'delivered']);
    expect(ev[3]).toMatchObject({ occurredAt: '2026-12-04T02:00:00.000Z', description: '已签收', location: '上海' });
  });
  it('gives a scan the same id however it arrives (push resends the history; the query answers it again)', () => {
    const a = kuaidi100Events('SF100', result).map((e) => e.eventId);
    const b = kuaidi100Events('SF100', { ...result, state: '5', data: [...result.data].reverse() }).map((e) => e.eventId);
    expect(new Set(a).size).toBe(4);
    expect(b).toEqual(a);
  });
  it('reads Beijing time', () => {
    expect(beijingTimeToIso('2026-01-01 07:59:59')).toBe('2025-12-31T23:59:59.000Z');
    expect(beijingTimeToIso('yesterday')).toBeUndefined();
  });
});

describe('carrier registry in live mode (BOXFLOW_SANDBOX=0)', () => {
  const noDb = {} as Db;
  const sfSettings = { partnerId: 'P', checkWord: 'c', baseUrl: 'http://127.0.0.1:9/std/service', monthlyCard: undefined, timeoutMs: 1000 };
  it('refuses without SF', () => {
    expect(() => createCarrierRegistry(noDb, false, {})).toThrow(/BOXFLOW_SANDBOX=0 needs SF configured/);
  });
  it('books SF live and never books a carrier without a live integration (it rejects: P2.4 moves on)', async () => {
    const registry = createCarrierRegistry(noDb, false, { sf: sfSettings });
    expect(registry('SF').code).toBe('SF');
    for (const code of ['YTO', 'DHL', 'FEDEX'] as const) {
      const r = await registry(code).book({} as never);
      expect(r).toEqual({ accepted: false, reason: expect.stringMatching(/no live integration/) });
      await expect(registry(code).cancel('x')).resolves.toBeUndefined();
    }
  });
});
