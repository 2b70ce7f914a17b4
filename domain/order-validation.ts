import type { CatalogItem, OrderInput, ValidationIssue } from './types';

/**
 * P1.1 confirm order info: an order that is incomplete or does not match the catalog never reaches
 * the warehouse. Shape checks first (what the API can say at once), then catalog checks.
 */

const ORDER_NO = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;
/** The shape of an order number: 3–64 letters, digits, - or _, starting with a letter or digit. */
export const isOrderNo = (v: unknown): v is string => typeof v === 'string' && ORDER_NO.test(v);
const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;
const PHONE = /^\+?[0-9][0-9 \-()]{5,24}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const MAX_LINES = 100;
export const MAX_QUANTITY_PER_LINE = 10_000;

const ORDER_KEYS = ['orderNo', 'type', 'customer', 'shippingAddress', 'lines', 'currency', 'payment', 'groupBuy', 'sandbox'];
const ADDRESS_KEYS = ['name', 'phone', 'line1', 'line2', 'city', 'province', 'postalCode', 'country'];
const SANDBOX_KEYS = ['carrier', 'inspection', 'customs', 'carrierLatencyMs', 'paymentLatencyMs', 'carrierFailureRate', 'carrierTimeoutRate', 'tracking'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
// Control characters other than tab/newline are never part of a name or an address.
const hasControlChars = (s: string) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);

class Checker {
  issues: ValidationIssue[] = [];
  add(path: string, message: string) {
    this.issues.push({ path, message });
  }
  text(obj: Obj, key: string, path: string, opts: { required?: boolean; max?: number; pattern?: RegExp; patternMessage?: string } = {}): string | undefined {
    const v = obj[key];
    const p = path ? `${path}.${key}` : key;
    if (v === undefined || v === null || v === '') {
      if (opts.required !== false) this.add(p, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return void this.add(p, 'must be a string');
    if (v.trim() === '') return void this.add(p, 'must not be blank');
    if (v.length > (opts.max ?? 200)) return void this.add(p, `must be at most ${opts.max ?? 200} characters`);
    if (hasControlChars(v)) return void this.add(p, 'must not contain control characters');
    if (opts.pattern && !opts.pattern.test(v)) return void this.add(p, opts.patternMessage ?? 'has an invalid format');
    return v;
  }
  unknownKeys(obj: Obj, allowed: string[], path: string) {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) this.add(path ? `${path}.${k}` : k, 'is not a known field');
  }
}

function checkAddress(c: Checker, raw: unknown, path: string) {
  if (!isObj(raw)) return c.add(path, 'must be an object');
  c.unknownKeys(raw, ADDRESS_KEYS, path);
  c.text(raw, 'name', path);
  c.text(raw, 'phone', path, { pattern: PHONE, patternMessage: 'must be a phone number' });
  c.text(raw, 'line1', path);
  c.text(raw, 'line2', path, { required: false });
  c.text(raw, 'city', path, { max: 100 });
  c.text(raw, 'province', path, { required: false, max: 100 });
  c.text(raw, 'postalCode', path, { max: 20, pattern: /^[A-Za-z0-9 -]{2,20}$/, patternMessage: 'must be a postal code' });
  c.text(raw, 'country', path, { pattern: COUNTRY, patternMessage: 'must be an ISO 3166-1 alpha-2 code such as CN' });
}

/** A shipping address on its own (e.g. the corrected address of a delivery exception, P3.2). */
export function validateAddress(raw: unknown, path: string): ValidationIssue[] {
  const c = new Checker();
  checkAddress(c, raw, path);
  return c.issues;
}

/** Shape of POST /api/orders. Returns the typed order only when there is no issue. */
export function validateOrderShape(body: unknown): { order?: OrderInput; issues: ValidationIssue[] } {
  const c = new Checker();
  if (!isObj(body)) return { issues: [{ path: '', message: 'body must be a JSON object' }] };
  c.unknownKeys(body, ORDER_KEYS, '');
  c.text(body, 'orderNo', '', { max: 64, pattern: ORDER_NO, patternMessage: 'must be 3–64 letters, digits, - or _' });
  if (body.type !== 'retail' && body.type !== 'group_buy') c.add('type', 'must be "retail" or "group_buy"');

  if (!isObj(body.customer)) c.add('customer', 'must be an object');
  else {
    c.unknownKeys(body.customer, ['name', 'phone', 'email'], 'customer');
    c.text(body.customer, 'name', 'customer');
    c.text(body.customer, 'phone', 'customer', { pattern: PHONE, patternMessage: 'must be a phone number' });
    c.text(body.customer, 'email', 'customer', { required: false, pattern: EMAIL, patternMessage: 'must be an e-mail address' });
  }
  checkAddress(c, body.shippingAddress, 'shippingAddress');
  c.text(body, 'currency', '', { pattern: CURRENCY, patternMessage: 'must be an ISO 4217 code such as CNY' });

  if (!Array.isArray(body.lines) || body.lines.length === 0) c.add('lines', 'must be a non-empty array');
  else if (body.lines.length > MAX_LINES) c.add('lines', `must have at most ${MAX_LINES} lines`);
  else {
    const seen = new Set<string>();
    body.lines.forEach((line, i) => {
      const p = `lines[${i}]`;
      if (!isObj(line)) return c.add(p, 'must be an object');
      c.unknownKeys(line, ['sku', 'quantity', 'unitPrice'], p);
      const sku = c.text(line, 'sku', p, { max: 64 });
      if (sku && seen.has(sku)) c.add(`${p}.sku`, 'appears on more than one line; put the whole quantity on one line');
      if (sku) seen.add(sku);
      const q = line.quantity;
      if (typeof q !== 'number' || !Number.isInteger(q) || q <= 0) c.add(`${p}.quantity`, 'must be a positive whole number');
      else if (q > MAX_QUANTITY_PER_LINE) c.add(`${p}.quantity`, `must be at most ${MAX_QUANTITY_PER_LINE}`);
      const price = line.unitPrice;
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) c.add(`${p}.unitPrice`, 'must be a number ≥ 0');
      else if (Math.abs(price * 100 - Math.round(price * 100)) > 1e-6) c.add(`${p}.unitPrice`, 'must have at most 2 decimals');
    });
  }

  if (!isObj(body.payment)) c.add('payment', 'must be an object');
  else {
    c.unknownKeys(body.payment, ['method', 'token'], 'payment');
    c.text(body.payment, 'method', 'payment', { max: 40 });
    c.text(body.payment, 'token', 'payment', { max: 200 });
  }

  if (body.type === 'group_buy') {
    if (!isObj(body.groupBuy)) c.add('groupBuy', 'is required for a group-buy order');
    else {
      c.unknownKeys(body.groupBuy, ['campaignId', 'committedQuantity'], 'groupBuy');
      c.text(body.groupBuy, 'campaignId', 'groupBuy', { max: 64 });
      const q = body.groupBuy.committedQuantity;
      if (typeof q !== 'number' || !Number.isInteger(q) || q <= 0) c.add('groupBuy.committedQuantity', 'must be a positive whole number');
    }
  } else if (body.groupBuy !== undefined) c.add('groupBuy', 'is only allowed on group-buy orders');

  if (body.sandbox !== undefined) {
    if (!isObj(body.sandbox)) c.add('sandbox', 'must be an object');
    else {
      const s = body.sandbox;
      c.unknownKeys(s, SANDBOX_KEYS, 'sandbox');
      if (s.carrier !== undefined && !['reject_once', 'reject_always', 'vanish_once'].includes(s.carrier as string)) c.add('sandbox.carrier', 'must be "reject_once", "reject_always" or "vanish_once"');
      if (s.inspection !== undefined && s.inspection !== 'damaged_once') c.add('sandbox.inspection', 'must be "damaged_once"');
      if (s.customs !== undefined && s.customs !== 'reject') c.add('sandbox.customs', 'must be "reject"');
      if (s.tracking !== undefined && !['normal', 'delay', 'exception_address', 'lost', 'return_to_sender', 'long_haul'].includes(s.tracking as string)) c.add('sandbox.tracking', 'is not a known scenario');
      if (s.carrierLatencyMs !== undefined && (typeof s.carrierLatencyMs !== 'number' || !Number.isInteger(s.carrierLatencyMs) || s.carrierLatencyMs < 0 || s.carrierLatencyMs > 60_000)) c.add('sandbox.carrierLatencyMs', 'must be a whole number of ms from 0 to 60000');
      if (s.paymentLatencyMs !== undefined && (typeof s.paymentLatencyMs !== 'number' || !Number.isInteger(s.paymentLatencyMs) || s.paymentLatencyMs < 0 || s.paymentLatencyMs > 60_000)) c.add('sandbox.paymentLatencyMs', 'must be a whole number of ms from 0 to 60000');
      if (s.carrierFailureRate !== undefined && (typeof s.carrierFailureRate !== 'number' || s.carrierFailureRate < 0 || s.carrierFailureRate > 1)) c.add('sandbox.carrierFailureRate', 'must be a number from 0 to 1');
      if (s.carrierTimeoutRate !== undefined && (typeof s.carrierTimeoutRate !== 'number' || !Number.isFinite(s.carrierTimeoutRate) || s.carrierTimeoutRate < 0 || s.carrierTimeoutRate > 1)) c.add('sandbox.carrierTimeoutRate', 'must be a number from 0 to 1');
    }
  }
  if (c.issues.length) return { issues: c.issues };
  return { order: body as unknown as OrderInput, issues: [] };
}

/** Catalog checks: the SKU exists and is sold, the price is the catalog price, the currency matches. */
export function validateAgainstCatalog(order: OrderInput, catalog: Map<string, Pick<CatalogItem, 'sku' | 'unitPrice' | 'currency'>>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  order.lines.forEach((line, i) => {
    const item = catalog.get(line.sku);
    if (!item) return issues.push({ path: `lines[${i}].sku`, message: `unknown SKU ${line.sku}` });
    if (item.currency !== order.currency) issues.push({ path: 'currency', message: `${line.sku} is sold in ${item.currency}, the order is in ${order.currency}` });
    else if (Math.abs(item.unitPrice - line.unitPrice) > 0.005) issues.push({ path: `lines[${i}].unitPrice`, message: `price mismatch: catalog price of ${line.sku} is ${item.unitPrice.toFixed(2)}, order says ${line.unitPrice.toFixed(2)}` });
  });
  return issues;
}
