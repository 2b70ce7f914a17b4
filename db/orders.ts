import type { OrderInput, OrderStatus, OrderType } from '../domain/types';
import type { Db } from './knex';
import { emitWebhookEvent } from './outbound-webhooks';
import { dbTime, parseJson, toIso } from './time';

export interface OrderLineRecord {
  id: number;
  lineNo: number;
  sku: string;
  quantity: number;
  unitPrice: number;
  reservedQuantity: number;
  status: string;
}

export interface OrderRecord {
  orderNo: string;
  workflowId: string;
  type: OrderType;
  status: OrderStatus;
  currency: string;
  totalAmount: number;
  customer: OrderInput['customer'];
  shippingAddress: OrderInput['shippingAddress'];
  requestHash: string;
  atRisk: boolean;
  createdAt: string;
  updatedAt: string;
  shippedAt: string | null;
}

function orderFromRow(r: Record<string, any>): OrderRecord {
  return {
    orderNo: r.order_no,
    workflowId: r.workflow_id,
    type: r.type,
    status: r.status,
    currency: r.currency,
    totalAmount: Number(r.total_amount),
    customer: parseJson(r.customer_json),
    shippingAddress: parseJson(r.shipping_address_json),
    requestHash: r.request_hash,
    atRisk: Boolean(r.at_risk),
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
    shippedAt: toIso(r.shipped_at),
  };
}

function lineFromRow(r: Record<string, any>): OrderLineRecord {
  return {
    id: r.id,
    lineNo: r.line_no,
    sku: r.sku,
    quantity: r.quantity,
    unitPrice: Number(r.unit_price),
    reservedQuantity: r.reserved_quantity,
    status: r.status,
  };
}

export class DuplicateOrderError extends Error {}

/** Writes a new order and its lines in one transaction; a second insert of the same orderNo fails. */
export async function insertOrder(db: Db, order: OrderInput, meta: { workflowId: string; requestHash: string; now: string }): Promise<void> {
  const total = order.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  try {
    await db.transaction(async (trx) => {
      await trx('orders').insert({
        order_no: order.orderNo,
        workflow_id: meta.workflowId,
        type: order.type,
        status: 'received',
        currency: order.currency,
        total_amount: Math.round(total * 100) / 100,
        customer_json: JSON.stringify(order.customer),
        shipping_address_json: JSON.stringify(order.shippingAddress),
        customer_phone: order.customer.phone,
        destination_country: order.shippingAddress.country,
        payment_method: order.payment.method,
        payment_token: order.payment.token,
        group_buy_json: order.groupBuy ? JSON.stringify(order.groupBuy) : null,
        sandbox_json: order.sandbox ? JSON.stringify(order.sandbox) : null,
        request_hash: meta.requestHash,
        created_at: meta.now,
        updated_at: meta.now,
      });
      await trx('order_lines').insert(
        order.lines.map((l, i) => ({
          order_no: order.orderNo,
          line_no: i + 1,
          sku: l.sku,
          quantity: l.quantity,
          unit_price: l.unitPrice,
        })),
      );
      await trx('order_events').insert({
        order_no: order.orderNo,
        at: meta.now,
        type: 'status',
        detail: 'received',
        data_json: JSON.stringify({ status: 'received' }),
        dedupe_key: `${order.orderNo}:received`,
      });
    });
  } catch (err) {
    if (/UNIQUE|unique|duplicate key/.test(String((err as Error).message))) throw new DuplicateOrderError(order.orderNo);
    throw err;
  }
}

export async function getOrder(db: Db, orderNo: string): Promise<OrderRecord | undefined> {
  const row = await db('orders').where({ order_no: orderNo }).first();
  return row ? orderFromRow(row) : undefined;
}

export async function getOrderLines(db: Db, orderNo: string): Promise<OrderLineRecord[]> {
  const rows = await db('order_lines').where({ order_no: orderNo }).orderBy('line_no');
  return rows.map(lineFromRow);
}

/** Records a status change and its timeline event together; retried with the same key, it writes once. */
export async function setOrderStatus(
  db: Db,
  change: { orderNo: string; status: OrderStatus; detail?: string; data?: Record<string, unknown>; dedupeKey: string },
): Promise<void> {
  const now = dbTime();
  await db.transaction(async (trx) => {
    await trx('order_events')
      .insert({
        order_no: change.orderNo,
        at: now,
        type: 'status',
        detail: (change.detail ?? change.status).slice(0, 1000),
        data_json: JSON.stringify({ status: change.status, ...(change.data ?? {}) }),
        dedupe_key: change.dedupeKey,
      })
      .onConflict('dedupe_key')
      .ignore();
    // Setting the same status again is harmless: the workflow runs one step at a time, so a retried
    // activity cannot overwrite a later status.
    const patch: Record<string, unknown> = { status: change.status, updated_at: now };
    if (change.status === 'shipped') patch.shipped_at = now;
    await trx('orders').where({ order_no: change.orderNo }).update(patch);
    // Outbound webhooks: the change is announced from the same transaction (once per dedupe key).
    await emitWebhookEvent(trx, { type: 'order.status_changed', orderNo: change.orderNo, sourceKey: `status:${change.dedupeKey}`, data: { orderNo: change.orderNo, status: change.status } });
  });
}

export interface OrderListFilter {
  status?: string;
  limit: number;
  offset: number;
}

export async function listOrders(db: Db, f: OrderListFilter): Promise<{ rows: OrderRecord[]; total: number }> {
  const base = db('orders').modify((q) => {
    if (f.status) q.where('status', f.status);
  });
  const [{ n }] = await base.clone().count({ n: '*' });
  const rows = await base.clone().orderBy('created_at', 'desc').limit(f.limit).offset(f.offset);
  return { rows: rows.map(orderFromRow), total: Number(n) };
}

/** A row of the API's order list: what `GET /api/orders` returns and nothing else (no customer or address JSON to read and parse). */
export interface OrderSummary {
  orderNo: string;
  type: OrderType;
  status: OrderStatus;
  createdAt: string;
  shippedAt: string | null;
}

/** listOrders for the API's list: the same rows and total, five columns each. */
export async function listOrderSummaries(db: Db, f: OrderListFilter): Promise<{ rows: OrderSummary[]; total: number }> {
  const base = db('orders').modify((q) => {
    if (f.status) q.where('status', f.status);
  });
  const [{ n }] = await base.clone().count({ n: '*' });
  const rows = await base.clone().orderBy('created_at', 'desc').limit(f.limit).offset(f.offset).select('order_no', 'type', 'status', 'created_at', 'shipped_at');
  return {
    rows: rows.map((r: Record<string, any>) => ({ orderNo: r.order_no, type: r.type, status: r.status, createdAt: toIso(r.created_at)!, shippedAt: toIso(r.shipped_at) })),
    total: Number(n),
  };
}

export async function listOrdersByStatus(db: Db, statuses: OrderStatus[]): Promise<OrderRecord[]> {
  const rows = await db('orders').whereIn('status', statuses).orderBy('created_at');
  return rows.map(orderFromRow);
}

/** The order as it was submitted, rebuilt from the database (to restart a workflow that never started). */
export async function loadOrderInput(db: Db, orderNo: string): Promise<OrderInput | undefined> {
  const row = await db('orders').where({ order_no: orderNo }).first();
  if (!row) return undefined;
  const lines = await getOrderLines(db, orderNo);
  return {
    orderNo: row.order_no,
    type: row.type,
    customer: parseJson(row.customer_json),
    shippingAddress: parseJson(row.shipping_address_json),
    currency: row.currency,
    payment: { method: row.payment_method, token: row.payment_token },
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })),
    ...(row.group_buy_json ? { groupBuy: parseJson(row.group_buy_json) } : {}),
    ...(row.sandbox_json ? { sandbox: parseJson(row.sandbox_json) } : {}),
  };
}
