import { selectCarriers } from '../domain/carriers';
import type { ScanCode, StationStep } from '../domain/stations';
import type { CarrierCode } from '../domain/types';
import type { FloorOrder } from '../domain/waves';
import type { Db } from './knex';
import { dbTime, parseJson, toIso } from './time';

/**
 * The warehouse floor's data (stations mode): the orders waiting at a station with their lines,
 * bins and barcodes; wave claims (compare-and-set); pick scans ("2 of 3", counted atomically).
 */

export interface FloorParcel {
  id: string;
  orderNo: string;
  parcelIndex: number;
  status: string;
  carrier: CarrierCode | null;
  trackingNo: string | null;
  box: string | null;
  protection: string | null;
  packagingReason: string | null;
  weightGrams: number;
  itemsGrams: number;
  packedAt: string | null;
  packedBox: string | null;
  items: Array<{ sku: string; quantity: number }>;
}

export interface FloorOrderDetail extends FloorOrder {
  status: string;
  recipient: { name: string; phone: string; line1: string; line2?: string; city: string; province?: string; postalCode: string; country: string };
  parcels: FloorParcel[];
}

function parcelFromRow(r: Record<string, any>): FloorParcel {
  const items = parseJson<Array<{ sku: string; quantity: number; weightGrams: number }>>(r.items_json);
  return {
    id: r.id,
    orderNo: r.order_no,
    parcelIndex: r.parcel_index,
    status: r.status,
    carrier: r.carrier,
    trackingNo: r.tracking_no,
    box: r.box,
    protection: r.protection,
    packagingReason: r.packaging_reason,
    weightGrams: Number(r.weight_grams),
    itemsGrams: items.reduce((g, i) => g + i.weightGrams * i.quantity, 0),
    packedAt: toIso(r.packed_at),
    packedBox: r.packed_box,
    items: items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
  };
}

/** Every order waiting at a station (or one of them), with what the stations need to know. */
export async function listFloorOrders(db: Db, opts: { orderNo?: string } = {}): Promise<FloorOrderDetail[]> {
  const q = db('orders').whereNotNull('station_step').whereNotIn('status', ['cancelled', 'failed', 'shipped', 'delivered', 'returned']);
  if (opts.orderNo) q.where({ order_no: opts.orderNo });
  const orders = await q.select('order_no', 'status', 'station_step', 'station_since', 'station_due', 'currency', 'shipping_address_json', 'destination_country').orderBy('order_no');
  if (!orders.length) return [];
  const nos = orders.map((o) => o.order_no);
  const lines = await db('order_lines as l')
    .join('catalog_items as c', 'c.sku', 'l.sku')
    .leftJoin('inventory as i', 'i.sku', 'l.sku')
    .whereIn('l.order_no', nos)
    .where('l.reserved_quantity', '>', 0)
    .whereNotIn('l.status', ['shipped', 'cancelled'])
    .select('l.order_no', 'l.sku', 'l.reserved_quantity', 'l.unit_price', 'c.name', 'c.name_zh', 'c.barcode', 'c.weight_grams', 'c.fragile', 'i.bin_location')
    .orderBy('l.id');
  const parcels = await db('shipments').whereIn('order_no', nos).whereNotIn('status', ['cancelled', 'replaced']).orderBy('parcel_index');
  return orders.map((o) => {
    const mine = lines.filter((l) => l.order_no === o.order_no);
    const myParcels = parcels.filter((p) => p.order_no === o.order_no).map(parcelFromRow);
    const booked = myParcels.find((p) => p.carrier)?.carrier;
    const carrier =
      booked ??
      selectCarriers({
        destinationCountry: o.destination_country,
        weightGrams: mine.reduce((g, l) => g + l.weight_grams * l.reserved_quantity, 0),
        declaredValue: mine.reduce((v, l) => v + Number(l.unit_price) * l.reserved_quantity, 0),
        currency: o.currency,
        fragile: mine.some((l) => Boolean(l.fragile)),
        serviceLevel: 'standard',
      }).ranked[0];
    return {
      orderNo: o.order_no,
      status: o.status,
      step: o.station_step as StationStep,
      carrier,
      since: toIso(o.station_since),
      due: toIso(o.station_due),
      recipient: parseJson(o.shipping_address_json),
      lines: mine.map((l) => ({ sku: l.sku, name: l.name_zh ? `${l.name_zh} / ${l.name}` : l.name, quantity: l.reserved_quantity, bin: l.bin_location ?? null, barcode: l.barcode ?? null })),
      parcels: myParcels,
    };
  });
}

export async function getFloorOrder(db: Db, orderNo: string): Promise<FloorOrderDetail | undefined> {
  return (await listFloorOrders(db, { orderNo }))[0];
}

/** An item sold as a sealed whole case: its own unit barcode asks for a seal check too. */
const SEALED_CATEGORIES = ['blind_box_case'];

/**
 * Barcode → what it stands for, for every active catalog item (a scan is looked up here): a unit's
 * code one unit of its SKU; a whole case's code (端盒) its units at once, after a seal check.
 */
export async function barcodeMap(db: Db): Promise<Map<string, ScanCode>> {
  const rows = await db('catalog_items').where({ active: true }).whereNotNull('barcode').select('sku', 'barcode', 'category', 'case_barcode', 'case_units');
  const map = new Map<string, ScanCode>();
  for (const r of rows) {
    map.set(r.barcode, { sku: r.sku, units: 1, sealed: SEALED_CATEGORIES.includes(r.category) });
    if (r.case_barcode && Number(r.case_units) > 1) map.set(r.case_barcode, { sku: r.sku, units: Number(r.case_units), sealed: true });
  }
  return map;
}

/** The bin of each SKU (a picker is sent there). */
export async function setBinLocation(db: Db, sku: string, bin: string): Promise<void> {
  await db('inventory').where({ sku }).update({ bin_location: bin });
}

// ---- wave claims ----

/** One picker per wave: the first claim wins (compare-and-set on the primary key); the winner's name is returned. */
export async function claimWave(db: Db, waveKey: string, by: string): Promise<{ won: boolean; claimedBy: string }> {
  await db('wave_claims').insert({ wave_key: waveKey, claimed_by: by, claimed_at: dbTime() }).onConflict('wave_key').ignore();
  const row = await db('wave_claims').where({ wave_key: waveKey }).first();
  return { won: row.claimed_by === by, claimedBy: row.claimed_by };
}

export async function releaseWave(db: Db, waveKey: string, by: string): Promise<boolean> {
  return (await db('wave_claims').where({ wave_key: waveKey, claimed_by: by }).delete()) > 0;
}

export async function waveClaims(db: Db, keys: string[]): Promise<Map<string, string>> {
  const rows = keys.length ? await db('wave_claims').whereIn('wave_key', keys) : [];
  return new Map(rows.map((r) => [r.wave_key as string, r.claimed_by as string]));
}

// ---- pick scans ----

export async function pickScans(db: Db, orderNo: string): Promise<Record<string, number>> {
  const rows = await db('pick_scans').where({ order_no: orderNo });
  return Object.fromEntries(rows.map((r) => [r.sku, Number(r.scanned)]));
}

/**
 * Counts one scanned unit (or a whole case's `units`) of `sku` on the order, never beyond `of` (atomic: two scanners scanning
 * the last unit at once count it once). Returns whether it was counted and the count now.
 */
export async function countScan(db: Db, input: { orderNo: string; sku: string; of: number; by: string; units?: number }): Promise<{ counted: boolean; scanned: number }> {
  const now = dbTime();
  // A whole case counts all its units at once, or none of them.
  const units = Math.max(1, Math.floor(input.units ?? 1));
  await db('pick_scans').insert({ order_no: input.orderNo, sku: input.sku, scanned: 0, scanned_by: input.by, updated_at: now }).onConflict(['order_no', 'sku']).ignore();
  const counted = await db('pick_scans')
    .where({ order_no: input.orderNo, sku: input.sku })
    .andWhere('scanned', '<=', input.of - units)
    .update({ scanned: db.raw('scanned + ?', [units]), scanned_by: input.by, updated_at: now });
  const row = await db('pick_scans').where({ order_no: input.orderNo, sku: input.sku }).first();
  return { counted: counted > 0, scanned: Number(row.scanned) };
}

/** Starts the order's count again (a picker who lost track; audited by the caller). */
export async function resetPickScans(db: Db, orderNo: string): Promise<void> {
  await db('pick_scans').where({ order_no: orderNo }).delete();
}

/** The parcels booked and waiting for a carrier's courier (the hand-over manifest, P2.2). */
export async function manifestParcels(db: Db, carrier: CarrierCode): Promise<Array<FloorParcel & { shippedAt: string | null; handedOverBy: string | null }>> {
  const rows = await db('shipments as s')
    .join('orders as o', 'o.order_no', 's.order_no')
    .where('s.carrier', carrier)
    .andWhere((q) => q.where('o.station_step', 'handover').orWhere((q2) => q2.whereNotNull('s.handed_over_by').andWhere('s.shipped_at', '>=', dbTime(Date.now() - 24 * 3600 * 1000))))
    .whereIn('s.status', ['booked', 'shipped', 'in_transit', 'delivered'])
    .select('s.*')
    .orderBy('s.order_no')
    .orderBy('s.parcel_index');
  return rows.map((r) => ({ ...parcelFromRow(r), shippedAt: toIso(r.shipped_at), handedOverBy: r.handed_over_by ?? null }));
}

/** The order a waybill belongs to (a hand-over scan names only the waybill). */
export async function orderOfWaybill(db: Db, waybillNo: string): Promise<{ orderNo: string; shipmentId: string; carrier: string | null } | undefined> {
  const row = await db('shipments').whereRaw('upper(tracking_no) = ?', [waybillNo.trim().toUpperCase()]).first('order_no', 'id', 'carrier');
  return row ? { orderNo: row.order_no, shipmentId: row.id, carrier: row.carrier } : undefined;
}

// ---- damage found at picking (P1.4) ----

export interface DamageReport {
  id: number;
  sku: string;
  photoPath: string;
  reportedBy: string;
}

export async function addDamageReport(db: Db, input: { orderNo: string; sku: string; photoPath: string; by: string }): Promise<number> {
  const [row] = await db('pick_damage').insert({ order_no: input.orderNo, sku: input.sku, photo_path: input.photoPath, reported_by: input.by, reported_at: dbTime() }).returning('id');
  return Number(typeof row === 'object' ? (row as { id: number }).id : row);
}

/** Damage reported on the order and not yet told to its workflow (it goes with the pick). */
export async function pendingDamage(db: Db, orderNo: string): Promise<DamageReport[]> {
  const rows = await db('pick_damage').where({ order_no: orderNo }).whereNull('reported_to_order_at').orderBy('id');
  return rows.map((r) => ({ id: r.id, sku: r.sku, photoPath: r.photo_path, reportedBy: r.reported_by }));
}

export async function markDamageReported(db: Db, ids: number[]): Promise<void> {
  if (ids.length) await db('pick_damage').whereIn('id', ids).update({ reported_to_order_at: dbTime() });
}
