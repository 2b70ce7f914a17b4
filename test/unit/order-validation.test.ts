import { isOrderNo, validateAgainstCatalog, validateOrderShape } from '../../domain/order-validation';
import type { OrderInput } from '../../domain/types';

const valid: OrderInput = {
  orderNo: 'SO-1001',
  type: 'retail',
  customer: { name: '李雷', phone: '+86 138 0013 8000' },
  shippingAddress: { name: '李雷', phone: '13800138000', line1: '天河路 1 号', city: '广州', postalCode: '510000', country: 'CN' },
  lines: [{ sku: 'BB-1', quantity: 2, unitPrice: 69 }],
  currency: 'CNY',
  payment: { method: 'card', token: 'tok_paid' },
};

const paths = (body: unknown) => validateOrderShape(body).issues.map((i) => i.path);

test('a complete order passes', () => {
  expect(validateOrderShape(valid)).toEqual({ order: valid, issues: [] });
});

test('non-objects and missing fields are named by path', () => {
  expect(paths(null)).toEqual(['']);
  expect(paths([])).toEqual(['']);
  expect(paths({})).toEqual(expect.arrayContaining(['orderNo', 'type', 'customer', 'shippingAddress', 'currency', 'lines', 'payment']));
});

test.each([
  [{ lines: [{ sku: 'BB-1', quantity: -1, unitPrice: 69 }] }, 'lines[0].quantity'],
  [{ lines: [{ sku: 'BB-1', quantity: 1e9, unitPrice: 69 }] }, 'lines[0].quantity'],
  [{ lines: [{ sku: 'BB-1', quantity: '2', unitPrice: 69 }] }, 'lines[0].quantity'],
  [{ lines: [{ sku: 'BB-1', quantity: 1, unitPrice: 69.123 }] }, 'lines[0].unitPrice'],
  [{ lines: [{ sku: 'BB-1', quantity: 1, unitPrice: 69 }, { sku: 'BB-1', quantity: 1, unitPrice: 69 }] }, 'lines[1].sku'],
  [{ orderNo: 'x' }, 'orderNo'],
  [{ orderNo: '<script>' }, 'orderNo'],
  [{ currency: 'cny' }, 'currency'],
  [{ customer: { name: 'A\u0000B', phone: '13800138000' } }, 'customer.name'],
  [{ shippingAddress: { ...valid.shippingAddress, postalCode: '' } }, 'shippingAddress.postalCode'],
  [{ sandbox: { carrier: 'explode' } }, 'sandbox.carrier'],
  [{ type: 'wholesale' }, 'type'],
])('%j is refused at %s', (patch, path) => {
  expect(paths({ ...valid, ...patch })).toContain(path);
});

test('catalog checks: unknown SKU, price mismatch, currency', () => {
  const catalog = new Map([['BB-1', { sku: 'BB-1', unitPrice: 69, currency: 'CNY' }]]);
  expect(validateAgainstCatalog(valid, catalog)).toEqual([]);
  expect(validateAgainstCatalog({ ...valid, lines: [{ sku: 'BB-2', quantity: 1, unitPrice: 69 }] }, catalog)[0].path).toBe('lines[0].sku');
  expect(validateAgainstCatalog({ ...valid, lines: [{ sku: 'BB-1', quantity: 1, unitPrice: 70 }] }, catalog)[0].message).toMatch(/price mismatch/);
  expect(validateAgainstCatalog({ ...valid, currency: 'USD' }, catalog)[0].path).toBe('currency');
});

test('isOrderNo: the shape an order number has (3–64 letters, digits, - or _), and nothing else', () => {
  for (const ok of ['BF-20261203-0001', '999999', 'abc', 'A'.repeat(64), 'X_1-2']) expect([ok, isOrderNo(ok)]).toEqual([ok, true]);
  for (const bad of ['', 'ab', '-AB1', '_AB1', 'A'.repeat(65), 'BF 1', 'BF-1\u0000', '<script>alert(1)</script>', "'; DROP TABLE orders; --", '../etc', '🧸🧸🧸', 'BF-1\n', 123456, null, undefined, ['BF-1234']]) {
    expect([bad, isOrderNo(bad)]).toEqual([bad, false]);
  }
});
