import type { Db } from './knex';
import { dbTime, toIso } from './time';

export interface ReturnLine {
  id: number;
  sku: string;
  quantity: number;
  unitPrice: number;
  condition: 'resellable' | 'damaged' | null;
  outcome: 'restocked' | 'written_off' | null;
}

export interface ReturnRecord {
  rmaNo: string;
  orderNo: string;
  source: 'customer' | 'returned_to_sender';
  reason: string;
  status: string;
  carrier: string | null;
  returnWaybill: string | null;
  refundAmount: number | null;
  createdAt: string;
  receivedAt: string | null;
  closedAt: string | null;
  lines: ReturnLine[];
}

export async function getReturn(db: Db, rmaNo: string): Promise<ReturnRecord | undefined> {
  const r = await db('returns').where({ rma_no: rmaNo }).first();
  if (!r) return undefined;
  const lines = await db('return_lines').where({ rma_no: rmaNo }).orderBy('id');
  return {
    rmaNo: r.rma_no,
    orderNo: r.order_no,
    source: r.source,
    reason: r.reason,
    status: r.status,
    carrier: r.carrier,
    returnWaybill: r.return_waybill,
    refundAmount: r.refund_amount === null ? null : Number(r.refund_amount),
    createdAt: toIso(r.created_at)!,
    receivedAt: toIso(r.received_at),
    closedAt: toIso(r.closed_at),
    lines: lines.map((l) => ({ id: l.id, sku: l.sku, quantity: l.quantity, unitPrice: Number(l.unit_price), condition: l.condition, outcome: l.outcome })),
  };
}

export async function listReturns(db: Db, orderNo: string): Promise<ReturnRecord[]> {
  const rows = await db('returns').where({ order_no: orderNo }).orderBy('created_at');
  return (await Promise.all(rows.map((r) => getReturn(db, r.rma_no)))).filter((r): r is ReturnRecord => Boolean(r));
}

/** Units of each SKU that left on outbound shipments and are not already on a return. */
export async function returnableUnits(db: Db, orderNo: string): Promise<Map<string, { quantity: number; unitPrice: number }>> {
  const lines = await db('order_lines').where({ order_no: orderNo, status: 'shipped' });
  const units = new Map<string, { quantity: number; unitPrice: number }>();
  for (const l of lines) {
    const u = units.get(l.sku) ?? { quantity: 0, unitPrice: Number(l.unit_price) };
    u.quantity += l.reserved_quantity;
    units.set(l.sku, u);
  }
  const returned = await db('return_lines as rl').join('returns as r', 'r.rma_no', 'rl.rma_no').where('r.order_no', orderNo).whereNot('r.status', 'expired').select('rl.sku', 'rl.quantity');
  for (const r of returned) {
    const u = units.get(r.sku);
    if (u) u.quantity -= r.quantity;
  }
  return units;
}

export async function createReturn(
  db: Db,
  r: { rmaNo: string; orderNo: string; source: ReturnRecord['source']; reason: string; requestHash?: string; lines: Array<{ sku: string; quantity: number; unitPrice: number }> },
): Promise<void> {
  const now = dbTime();
  await db.transaction(async (trx) => {
    await trx('returns').insert({ rma_no: r.rmaNo, order_no: r.orderNo, source: r.source, reason: r.reason.slice(0, 500), status: 'requested', request_hash: r.requestHash ?? null, created_at: now, updated_at: now });
    await trx('return_lines').insert(r.lines.map((l) => ({ rma_no: r.rmaNo, sku: l.sku, quantity: l.quantity, unit_price: l.unitPrice })));
  });
}

export async function updateReturn(db: Db, rmaNo: string, patch: Record<string, unknown>): Promise<void> {
  await db('returns').where({ rma_no: rmaNo }).update({ ...patch, updated_at: dbTime() });
}
