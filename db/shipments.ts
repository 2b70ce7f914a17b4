import type { CarrierCode, PackItem, PackagingChoice } from '../domain/types';
import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

export interface ShipmentRecord {
  id: string;
  orderNo: string;
  parcelIndex: number;
  status: string;
  carrier: CarrierCode | null;
  /** The carrier last asked to book this parcel, written before the call (its answer may never come). */
  bookingCarrier: CarrierCode | null;
  carrierReason: string | null;
  trackingNo: string | null;
  box: string | null;
  protection: string | null;
  packagingReason: string | null;
  weightGrams: number;
  volumeCm3: number;
  items: PackItem[];
  labels: unknown;
  plannedShipAt: string | null;
  bookedAt: string | null;
  shippedAt: string | null;
}

function fromRow(r: Record<string, any>): ShipmentRecord {
  return {
    id: r.id,
    orderNo: r.order_no,
    parcelIndex: r.parcel_index,
    status: r.status,
    carrier: r.carrier,
    bookingCarrier: r.booking_carrier ?? null,
    carrierReason: r.carrier_reason,
    trackingNo: r.tracking_no,
    box: r.box,
    protection: r.protection,
    packagingReason: r.packaging_reason,
    weightGrams: r.weight_grams,
    volumeCm3: r.volume_cm3,
    items: parseJson(r.items_json),
    labels: r.labels_json ? parseJson(r.labels_json) : null,
    plannedShipAt: toIso(r.planned_ship_at),
    bookedAt: toIso(r.booked_at),
    shippedAt: toIso(r.shipped_at),
  };
}

export function shipmentId(orderNo: string, parcelIndex: number): string {
  return `SHP-${orderNo}-${parcelIndex}`;
}

export interface NewParcel {
  parcelIndex: number;
  items: PackItem[];
  weightGrams: number;
  volumeCm3: number;
  packaging: PackagingChoice;
}

/** One shipment per parcel (P1.8); created once, whatever the retries. */
export async function createShipments(db: Db, orderNo: string, parcels: NewParcel[]): Promise<string[]> {
  const now = dbTime();
  await db('shipments')
    .insert(
      parcels.map((p) => ({
        id: shipmentId(orderNo, p.parcelIndex),
        order_no: orderNo,
        parcel_index: p.parcelIndex,
        status: 'packed',
        box: p.packaging.box,
        protection: p.packaging.protection,
        packaging_reason: p.packaging.reason,
        weight_grams: p.weightGrams,
        volume_cm3: p.volumeCm3,
        items_json: JSON.stringify(p.items),
        created_at: now,
      })),
    )
    .onConflict('id')
    .ignore();
  return parcels.map((p) => shipmentId(orderNo, p.parcelIndex));
}

export async function updateShipment(db: Db, id: string, patch: Record<string, unknown>): Promise<void> {
  await db('shipments').where({ id }).update(patch);
}

export async function getShipment(db: Db, id: string): Promise<ShipmentRecord | undefined> {
  const row = await db('shipments').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

export async function listShipments(db: Db, orderNo: string): Promise<ShipmentRecord[]> {
  const rows = await db('shipments').where({ order_no: orderNo }).orderBy('parcel_index');
  return rows.map(fromRow);
}

