/**
 * P4.1: the rows domain/analytics.ts needs for one window. Read-only, query builder only (SQLite and
 * PostgreSQL run the same code): the window compares created_at with ISO strings, which SQLite
 * stores as sortable text and PostgreSQL reads as timestamptz. JSON columns are parsed here, not in
 * SQL (the two databases have different JSON functions).
 */
import type { AnalyticsRows, AnalyticsWindow } from '../domain/analytics';
import type { Db } from './knex';
import { parseJson, toIso } from './time';

export async function loadAnalyticsRows(db: Db, window: Pick<AnalyticsWindow, 'fromTs' | 'toTs'>): Promise<AnalyticsRows> {
  // The window's orders, as a subquery for every per-order table.
  const windowOrders = () => db('orders').select('order_no').where('created_at', '>=', window.fromTs).andWhere('created_at', '<', window.toTs);

  const [orders, statusEvents, lines, shipments, returnLines, tasks] = await Promise.all([
    db('orders').select('order_no', 'type', 'status', 'created_at', 'shipped_at', 'ship_by').where('created_at', '>=', window.fromTs).andWhere('created_at', '<', window.toTs),
    // Only 'paid' matters (payment confirmation). setOrderStatus writes data_json as
    // JSON.stringify({status, …}), so the prefix narrows the rows; the exact check is below.
    db('order_events').select('order_no', 'at', 'data_json').where('type', 'status').andWhere('data_json', 'like', '{"status":"paid"%').whereIn('order_no', windowOrders()),
    db('order_lines').select('order_no', 'sku', 'quantity', 'status').whereIn('order_no', windowOrders()),
    db('shipments').select('order_no', 'carrier', 'kind', 'shipped_at', 'delivered_at', 'delayed').whereIn('order_no', windowOrders()),
    db('return_lines')
      .join('returns', 'returns.rma_no', 'return_lines.rma_no')
      .select('returns.order_no as order_no', 'return_lines.sku as sku', 'return_lines.quantity as quantity')
      .whereIn('returns.order_no', windowOrders()),
    // Task metrics use the tasks' own created_at.
    db('tasks').select('kind', 'status', 'created_at', 'decided_at', 'context_json').where('created_at', '>=', window.fromTs).andWhere('created_at', '<', window.toTs),
  ]);

  return {
    orders: orders.map((r: Record<string, any>) => ({
      orderNo: r.order_no,
      type: r.type,
      status: r.status,
      createdAt: toIso(r.created_at)!,
      shippedAt: toIso(r.shipped_at),
      shipBy: toIso(r.ship_by),
    })),
    statusEvents: statusEvents
      .map((r: Record<string, any>) => ({ orderNo: r.order_no as string, at: toIso(r.at)!, status: String(parseJson<{ status?: unknown }>(r.data_json)?.status ?? '') }))
      .filter((e: { status: string }) => e.status === 'paid'),
    lines: lines.map((r: Record<string, any>) => ({ orderNo: r.order_no, sku: r.sku, quantity: Number(r.quantity), status: r.status })),
    shipments: shipments.map((r: Record<string, any>) => ({
      orderNo: r.order_no,
      carrier: r.carrier ?? null,
      kind: r.kind,
      shippedAt: toIso(r.shipped_at),
      deliveredAt: toIso(r.delivered_at),
      delayed: Boolean(r.delayed), // SQLite answers 0/1
    })),
    returnLines: returnLines.map((r: Record<string, any>) => ({ orderNo: r.order_no, sku: r.sku, quantity: Number(r.quantity) })),
    tasks: tasks.map((r: Record<string, any>) => ({
      kind: r.kind,
      status: r.status,
      createdAt: toIso(r.created_at)!,
      decidedAt: toIso(r.decided_at),
      context: safeJson(r.context_json),
    })),
  };
}

/** A malformed context must not break the whole page: it just names no SKU. */
function safeJson(value: unknown): unknown {
  try {
    return parseJson(value);
  } catch {
    return null;
  }
}
