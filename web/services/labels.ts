/**
 * Shipping labels (P1.6, P2.3): made once from the booked parcel, stored, and printed again from
 * the store; every print is in the audit log, a reprint as `label.reprint`.
 */
import { renderManifest, renderPackingSlip, renderPickList, renderProductLabels } from '../../adapters/documents/floor-documents';
import { getCatalogItems } from '../../db/catalog';
import { buildProductLabel } from '../../domain/labels';
import { waveOf, type PickListRow } from '../../domain/waves';
import { manifestParcels } from '../../db/warehouse';
import { findCjkFont, renderShippingLabel, ShippingLabelInput } from '../../adapters/documents/shipping-label';
import { renderShippingLabelZpl } from '../../adapters/documents/shipping-label-zpl';
import { WAREHOUSE_ADDRESS } from '../../activities/shipment.activities';
import { recordAudit } from '../../db/audit';
import { countPrint, getDocument, storeDocument } from '../../db/documents';
import type { Db } from '../../db/knex';
import { CARRIER_NAMES } from '../../domain/carriers';
import type { CarrierCode } from '../../domain/types';

export type LabelResult = { kind: 'ok'; pdf: Buffer; print: number; waybillNo: string } | { kind: 'not_found' | 'not_booked'; message: string };

/** What a shipping label shows, from the booked parcel `s` (a shipments row). */
async function labelInput(db: Db, s: Record<string, any>): Promise<ShippingLabelInput> {
  const order = await db('orders').where({ order_no: s.order_no }).first();
  const count = await db('shipments').where({ order_no: s.order_no }).whereNotIn('status', ['cancelled', 'replaced']).count({ n: '*' });
  const names = CARRIER_NAMES[s.carrier as CarrierCode];
  return {
    waybillNo: s.tracking_no,
    carrier: { code: s.carrier, name: names?.en ?? s.carrier, nameZh: names?.zh ?? s.carrier },
    serviceLevel: s.service_level ?? 'standard',
    orderNo: s.order_no,
    parcelIndex: s.parcel_index,
    parcelCount: Math.max(Number(count[0].n), s.parcel_index),
    weightGrams: Number(s.packed_weight_grams ?? s.weight_grams),
    sender: WAREHOUSE_ADDRESS,
    recipient: JSON.parse(order.shipping_address_json),
    printedAt: new Date().toISOString(),
  };
}

export async function printShippingLabel(db: Db, shipmentId: string, by: string): Promise<LabelResult> {
  const s = await db('shipments').where({ id: shipmentId }).first();
  if (!s) return { kind: 'not_found', message: `no parcel ${shipmentId}` };
  if (!s.tracking_no || !s.carrier || ['cancelled', 'created'].includes(s.status)) return { kind: 'not_booked', message: `parcel ${shipmentId} has no waybill yet` };
  let doc = await getDocument(db, 'shipping_label', shipmentId);
  if (!doc) {
    const pdf = await renderShippingLabel(await labelInput(db, s), findCjkFont());
    doc = await storeDocument(db, { kind: 'shipping_label', subject: shipmentId, contentType: 'application/pdf', content: pdf, createdBy: by });
  }
  const print = await countPrint(db, doc.id);
  await recordAudit(db, { actor: by, action: print === 1 ? 'label.print' : 'label.reprint', orderNo: s.order_no, subject: `shipment:${shipmentId}`, data: { waybillNo: s.tracking_no, print, bytes: doc.bytes } });
  return { kind: 'ok', pdf: doc.content, print, waybillNo: s.tracking_no };
}

/**
 * The same label in ZPL for a thermal printer (adapters/documents/shipping-label-zpl.ts): made from
 * the parcel on each request (a few hundred bytes), every print audited as `label.zpl`.
 */
export async function printShippingLabelZpl(db: Db, shipmentId: string, by: string): Promise<{ kind: 'ok'; zpl: string; waybillNo: string } | { kind: 'not_found' | 'not_booked'; message: string }> {
  const s = await db('shipments').where({ id: shipmentId }).first();
  if (!s) return { kind: 'not_found', message: `no parcel ${shipmentId}` };
  if (!s.tracking_no || !s.carrier || ['cancelled', 'created'].includes(s.status)) return { kind: 'not_booked', message: `parcel ${shipmentId} has no waybill yet` };
  const zpl = renderShippingLabelZpl(await labelInput(db, s));
  await recordAudit(db, { actor: by, action: 'label.zpl', orderNo: s.order_no, subject: `shipment:${shipmentId}`, data: { waybillNo: s.tracking_no, bytes: Buffer.byteLength(zpl) } });
  return { kind: 'ok', zpl, waybillNo: s.tracking_no };
}

// ---- the other floor documents: pick list, packing slip, product labels (made on request, audited) ----


export async function pickListPdf(db: Db, wave: { key: string; cutoffLabel: string; claimedBy: string | null }, rows: PickListRow[], by: string): Promise<Buffer> {
  const pdf = await renderPickList({ waveLabel: `${wave.key} (cut-off ${wave.cutoffLabel})`, claimedBy: wave.claimedBy, printedAt: new Date().toISOString(), rows }, findCjkFont());
  await recordAudit(db, { actor: by, action: 'document.pick_list', subject: `wave:${wave.key}`, data: { lines: rows.length } });
  return pdf;
}

async function parcelOf(db: Db, shipmentId: string) {
  const s = await db('shipments').where({ id: shipmentId }).first();
  if (!s || s.status === 'cancelled') return undefined;
  const items = JSON.parse(s.items_json) as Array<{ sku: string; quantity: number }>;
  const catalog = await getCatalogItems(db, items.map((i) => i.sku));
  const barcodes = new Map((await db('catalog_items').whereIn('sku', items.map((i) => i.sku)).select('sku', 'barcode')).map((r) => [r.sku as string, r.barcode as string | null]));
  return { s, items, catalog, barcodes };
}

export async function packingSlipPdf(db: Db, shipmentId: string, by: string): Promise<Buffer | undefined> {
  const p = await parcelOf(db, shipmentId);
  if (!p) return undefined;
  const order = await db('orders').where({ order_no: p.s.order_no }).first();
  const count = await db('shipments').where({ order_no: p.s.order_no }).whereNotIn('status', ['cancelled', 'replaced']).count({ n: '*' });
  const pdf = await renderPackingSlip(
    {
      orderNo: p.s.order_no,
      parcelIndex: p.s.parcel_index,
      parcelCount: Math.max(Number(count[0].n), p.s.parcel_index),
      carrier: p.s.carrier,
      waybillNo: p.s.tracking_no,
      recipient: JSON.parse(order.shipping_address_json),
      items: p.items.map((i) => {
        const c = p.catalog.get(i.sku);
        return { sku: i.sku, name: c ? (c.nameZh ? `${c.nameZh} / ${c.name}` : c.name) : i.sku, quantity: i.quantity };
      }),
      printedAt: new Date().toISOString(),
    },
    findCjkFont(),
  );
  await recordAudit(db, { actor: by, action: 'document.packing_slip', orderNo: p.s.order_no, subject: `shipment:${shipmentId}` });
  return pdf;
}

/** P1.6: one label per unit of the parcel, from the catalog as it is (incomplete data is printed as it is). */
export async function productLabelsPdf(db: Db, shipmentId: string, by: string): Promise<Buffer | undefined> {
  const p = await parcelOf(db, shipmentId);
  if (!p) return undefined;
  const labels = p.items.map((i) => {
    const c = p.catalog.get(i.sku);
    const { label } = buildProductLabel({ sku: i.sku, name: c?.name ?? '', nameZh: c?.nameZh ?? null, spec: c?.spec ?? '', productionDate: c?.productionDate ?? null, shelfLifeDays: c?.shelfLifeDays ?? null });
    return { sku: i.sku, name: label.name, nameZh: label.nameZh, spec: label.spec, productionDate: label.productionDate, shelfLifeDays: label.shelfLifeDays, bestBefore: label.bestBefore, barcode: p.barcodes.get(i.sku) ?? null, quantity: i.quantity };
  });
  const pdf = await renderProductLabels(labels, findCjkFont());
  await recordAudit(db, { actor: by, action: 'document.product_labels', orderNo: p.s.order_no, subject: `shipment:${shipmentId}`, data: { units: labels.reduce((n, l) => n + l.quantity, 0) } });
  return pdf;
}

/** P2.2 交接单: the carrier's manifest as it stands (the parcels of its pickup, scanned out or not), audited. */
export async function manifestPdf(db: Db, carrier: CarrierCode, by: string): Promise<Buffer> {
  const parcels = await manifestParcels(db, carrier);
  const names = CARRIER_NAMES[carrier];
  const pdf = await renderManifest(
    {
      carrier: { code: carrier, name: names.en, nameZh: names.zh },
      pickupLabel: `${waveOf(carrier, Date.now()).cutoffLabel} (UTC+08:00)`,
      printedAt: new Date().toISOString(),
      printedBy: by,
      parcels: parcels.map((p) => ({ waybillNo: p.trackingNo ?? p.id, orderNo: p.orderNo, parcelIndex: p.parcelIndex, weightGrams: p.weightGrams, handedOverBy: p.handedOverBy })),
    },
    findCjkFont(),
  );
  await recordAudit(db, { actor: by, action: 'document.manifest', subject: `carrier:${carrier}`, data: { parcels: parcels.length, grams: parcels.reduce((g, p) => g + p.weightGrams, 0) } });
  return pdf;
}
