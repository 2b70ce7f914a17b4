import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

export interface OrderEvent {
  at: string;
  type: string;
  detail: string;
  data?: Record<string, unknown>;
}

/**
 * Appends to an order's timeline. `dedupeKey` comes from the workflow, so an activity that is
 * retried after a crash writes its event once.
 */
export async function appendEvent(
  db: Db,
  e: { orderNo: string; type: string; detail: string; data?: Record<string, unknown>; dedupeKey: string; at?: Date },
): Promise<void> {
  await db('order_events')
    .insert({
      order_no: e.orderNo,
      at: e.at ? dbTime(e.at) : dbTime(),
      type: e.type,
      detail: e.detail.slice(0, 1000),
      data_json: e.data ? JSON.stringify(e.data) : null,
      dedupe_key: e.dedupeKey,
    })
    .onConflict('dedupe_key')
    .ignore();
}

export async function listEvents(db: Db, orderNo: string): Promise<OrderEvent[]> {
  const rows = await db('order_events').where({ order_no: orderNo }).orderBy([{ column: 'at' }, { column: 'id' }]);
  return rows.map((r) => ({
    at: toIso(r.at)!,
    type: r.type,
    detail: r.detail,
    ...(r.data_json ? { data: parseJson<Record<string, unknown>>(r.data_json) } : {}),
  }));
}
