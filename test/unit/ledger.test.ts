/**
 * The ledger's rules (db/ledger.ts) as pure functions: what each invariant calls a breach.
 * test/unit/ledger-db.test.ts breaks a real database on purpose and sees each breach.
 */
import { evaluateBookings, evaluateMessages, evaluateMoney, evaluateStock, expectedHeld, inspectionWriteOffs, OrderMoneyFacts, SkuFacts } from '../../db/ledger';

const sku = (over: Partial<SkuFacts> = {}): SkuFacts => ({ sku: 'S', onHand: 8, reserved: 2, journal: 10, shipped: 3, writtenOff: 1, returnedToShelf: 2, heldByLines: 2, ...over });

const order = (over: Partial<OrderMoneyFacts> = {}): OrderMoneyFacts => ({
  orderNo: 'O1',
  status: 'shipped',
  total: 138,
  liveLinesValue: 138,
  shippedLinesValue: 138,
  returnedValue: 0,
  provider: { charged: 138, refunded: 0, pendingCharges: 0 },
  boxflow: { charged: 138, refunded: 0, pendingCharges: 0, pendingRefunds: 0 },
  ...over,
});
const names = (inv: Array<{ name: string; ok: boolean }>) => inv.filter((i) => !i.ok).map((i) => i.name);

describe('stock', () => {
  test('on hand = journal + returned to shelf − shipped − written off, reserved = what unshipped lines hold', () => {
    expect(names(evaluateStock([sku()], []))).toEqual([]);
  });
  test('a unit that left without a record breaks the balance', () => {
    const [balance, reserved] = evaluateStock([sku({ onHand: 7 })], []);
    expect(balance.ok).toBe(false);
    expect(balance.breaches[0]).toMatch(/S: on hand 7, but journal 10 \+ returned to shelf 2 − shipped 3 − written off 1 = 8/);
    expect(reserved.ok).toBe(true);
  });
  test('reserved that no line holds, and units held by a cancelled order, are breaches', () => {
    const [, reserved] = evaluateStock([sku({ reserved: 3 })], [{ orderNo: 'O2', orderStatus: 'cancelled', lineId: 5, lineStatus: 'reserved', sku: 'S', reservedQuantity: 1 }]);
    expect(reserved.breaches).toEqual(['S: reserved 3, but the unshipped order lines hold 2', 'O2 is cancelled but line 5 (S) still holds 1 unit(s)']);
  });
  test('an inspection event writes off one unit per replaced or unresolved entry', () => {
    expect(inspectionWriteOffs(JSON.stringify({ outcome: { replaced: [{ lineId: 1, sku: 'A' }], unresolved: [{ lineId: 2, sku: 'B' }] } }))).toEqual(['A', 'B']);
    expect(inspectionWriteOffs(JSON.stringify({ outcome: { replaced: [], unresolved: [] } }))).toEqual([]);
    expect(inspectionWriteOffs(null)).toEqual([]);
  });
});

describe('money', () => {
  test('what the provider should hold follows the order: 0 for a cancelled one, the live lines once paid, nothing before payment', () => {
    expect(expectedHeld(order({ status: 'cancelled', shippedLinesValue: 0 }))).toBe(0);
    expect(expectedHeld(order({ status: 'cancelled', shippedLinesValue: 69 }))).toBe(69); // cancelled after one parcel left
    expect(expectedHeld(order({ status: 'picking', liveLinesValue: 69 }))).toBe(69); // a line cancelled and refunded
    expect(expectedHeld(order({ status: 'delivered', returnedValue: 69 }))).toBe(69); // one unit returned
    expect(expectedHeld(order({ status: 'awaiting_payment', provider: { charged: 0, refunded: 0, pendingCharges: 1 } }))).toBe(0);
    expect(expectedHeld(order({ status: 'on_hold', liveLinesValue: 69 }))).toBe(69); // on hold after payment
  });
  test('a consistent order passes all three money invariants', () => {
    expect(names(evaluateMoney([order()]))).toEqual([]);
  });
  test('a cancelled order whose charge was not refunded breaks "money held"', () => {
    const [held] = evaluateMoney([order({ status: 'cancelled', shippedLinesValue: 0 })]);
    expect(held.breaches).toEqual(['O1 (cancelled): the provider holds 138.00 (charged 138.00 − refunded 0.00), the order\'s outcome says 0.00']);
  });
  test('refunded twice: more than charged, and less held than the order says', () => {
    const [held] = evaluateMoney([order({ status: 'cancelled', shippedLinesValue: 0, provider: { charged: 138, refunded: 276, pendingCharges: 0 }, boxflow: { charged: 138, refunded: 276, pendingCharges: 0, pendingRefunds: 0 } })]);
    expect(held.breaches.join('\n')).toMatch(/refunded 276.00, more than charged 138.00/);
  });
  test('a shipped order never charged is a breach', () => {
    const [held] = evaluateMoney([order({ provider: { charged: 0, refunded: 0, pendingCharges: 0 }, boxflow: { charged: 0, refunded: 0, pendingCharges: 0, pendingRefunds: 0 } })]);
    expect(held.ok).toBe(false);
  });
  test('BoxFlow and the provider disagreeing is a breach', () => {
    const [, agree] = evaluateMoney([order({ boxflow: { charged: 0, refunded: 0, pendingCharges: 1, pendingRefunds: 0 } })]);
    expect(agree.breaches).toEqual(['O1: BoxFlow records a charge of 0.00, the provider charged 138.00']);
  });
  test('a pending charge on a cancelled order is a breach; on an order still waiting for payment it is not', () => {
    const pendingCharge = { provider: { charged: 0, refunded: 0, pendingCharges: 1 }, boxflow: { charged: 0, refunded: 0, pendingCharges: 1, pendingRefunds: 0 } };
    const [, , closed] = evaluateMoney([order({ status: 'cancelled', shippedLinesValue: 0, ...pendingCharge })]);
    expect(closed.breaches).toEqual([
      'O1 is cancelled but the provider still has 1 pending charge(s): the customer can still pay',
      'O1 is cancelled but BoxFlow still records 1 pending charge(s)',
    ]);
    expect(names(evaluateMoney([order({ status: 'awaiting_payment', liveLinesValue: 138, ...pendingCharge })]))).toEqual([]);
  });
});

describe('carrier bookings', () => {
  const shipment = { id: 'O1-P1', orderNo: 'O1', orderStatus: 'shipped', status: 'shipped', trackingNo: 'SF1', shippedAt: '2026-01-01T00:00:00.000Z' };
  const booking = { carrier: 'SF', key: 'O1-P1', waybillNo: 'SF1', orderNo: 'O1', status: 'booked' };
  test('one live booking per shipment, the waybill BoxFlow shipped with', () => {
    expect(names(evaluateBookings([booking, { ...booking, key: 'return:RMA-1', waybillNo: 'SF9' }], [shipment]))).toEqual([]);
  });
  test('two live bookings for one shipment', () => {
    const [twice] = evaluateBookings([booking, { ...booking, carrier: 'YTO', waybillNo: 'YT2' }], [shipment]);
    expect(twice.breaches).toEqual(['shipment O1-P1 booked 2 times: SF SF1, YTO YT2']);
  });
  test('a shipment that left with a waybill the carrier did not issue', () => {
    const [twice] = evaluateBookings([{ ...booking, waybillNo: 'SF2' }], [shipment]);
    expect(twice.breaches).toEqual(['shipment O1-P1 left with SF1, the carrier issued SF2']);
  });
  test('a live waybill on a cancelled shipment, on a cancelled order, or on no shipment at all', () => {
    expect(evaluateBookings([booking], [{ ...shipment, status: 'cancelled', shippedAt: null }])[1].breaches).toEqual(['SF waybill SF1 is live but shipment O1-P1 is cancelled']);
    expect(evaluateBookings([booking], [{ ...shipment, orderStatus: 'cancelled', status: 'booked', shippedAt: null }])[1].breaches).toEqual(['SF waybill SF1 is live but order O1 is cancelled and shipment O1-P1 never left']);
    expect(evaluateBookings([booking], [])[1].breaches).toEqual(['SF waybill SF1 (order O1) is live for shipment O1-P1, which BoxFlow does not have']);
    // A cancelled booking is no live waybill.
    expect(names(evaluateBookings([{ ...booking, status: 'cancelled' }], [{ ...shipment, status: 'cancelled', shippedAt: null }]))).toEqual([]);
  });
});

describe('messages', () => {
  const m = { orderNo: 'O1', kind: 'shipped', channel: 'email', recipient: 'a@example.cn', subject: 's', body: 'b', dedupeKey: 'shipped:O1-P1' };
  test('the same words sent twice under two keys is a breach; a second delay notice a person asked for is not', () => {
    expect(evaluateMessages([m, { ...m, kind: 'delayed', dedupeKey: 'delayed:O1-P1' }]).ok).toBe(true);
    expect(evaluateMessages([m, { ...m, dedupeKey: 'shipped:run2:O1-P1' }]).breaches).toEqual(['O1 shipped to a@example.cn: sent 2 times (keys shipped:O1-P1, shipped:run2:O1-P1)']);
    expect(evaluateMessages([{ ...m, kind: 'delayed', dedupeKey: 'delayed:O1-P1' }, { ...m, kind: 'delayed', dedupeKey: 'delayed-again:O1-P1' }]).ok).toBe(true);
  });
});
