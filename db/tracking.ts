import type { TrackingStatus } from '../domain/tracking';
import type { Db } from './knex';
import { dbTime, toIso } from './time';

export interface TrackingEventRow {
  rowId: number;
  shipmentId: string;
  carrier: string;
  eventId: string;
  status: TrackingStatus;
  rawStatus: string;
  description: string | null;
  location: string | null;
  occurredAt: string;
  receivedVia: string;
}

export interface NewTrackingEvent {
  shipmentId: string;
  carrier: string;
  eventId: string;
  status: TrackingStatus;
  rawStatus: string;
  description?: string;
  location?: string;
  occurredAt: string;
  raw: unknown;
  receivedVia: 'poll' | 'webhook';
}

/** Stores an event once per (carrier, event id), however often a poll or a webhook delivers it. Returns whether it was new. */
export async function recordTrackingEvent(db: Db, e: NewTrackingEvent): Promise<boolean> {
  const before = await db('tracking_events').where({ carrier: e.carrier, event_id: e.eventId }).first('id');
  if (before) return false;
  await db('tracking_events')
    .insert({
      shipment_id: e.shipmentId,
      carrier: e.carrier,
      event_id: e.eventId,
      status: e.status,
      raw_status: e.rawStatus.slice(0, 100),
      description: e.description?.slice(0, 500) ?? null,
      location: e.location?.slice(0, 200) ?? null,
      occurred_at: e.occurredAt,
      raw_json: JSON.stringify(e.raw),
      received_via: e.receivedVia,
      created_at: dbTime(),
    })
    .onConflict(['carrier', 'event_id'])
    .ignore();
  return true; // (two deliveries racing may both say new: the unique key still stores one, and a second nudge is harmless)
}

export async function listTrackingEvents(db: Db, shipmentId: string, afterRowId = 0): Promise<TrackingEventRow[]> {
  const rows = await db('tracking_events').where('shipment_id', shipmentId).andWhere('id', '>', afterRowId).orderBy([{ column: 'occurred_at' }, { column: 'id' }]);
  return rows.map((r) => ({
    rowId: r.id,
    shipmentId: r.shipment_id,
    carrier: r.carrier,
    eventId: r.event_id,
    status: r.status,
    rawStatus: r.raw_status,
    description: r.description,
    location: r.location,
    occurredAt: toIso(r.occurred_at)!,
    receivedVia: r.received_via,
  }));
}

export async function findShipmentByWaybill(db: Db, carrier: string, trackingNo: string): Promise<{ id: string; orderNo: string } | undefined> {
  const row = await db('shipments').where({ carrier, tracking_no: trackingNo }).first('id', 'order_no');
  return row ? { id: row.id, orderNo: row.order_no } : undefined;
}
