/**
 * Shipping labels (P1.6, P2.3): made once from the booked parcel, stored, and printed again from
 * the store; every print is in the audit log, a reprint as `label.reprint`.
 */
import { findCjkFont, renderShippingLabel } from '../../adapters/documents/shipping-label';
import { WAREHOUSE_ADDRESS } from '../../activities/shipment.activities';
import { recordAudit } from '../../db/audit';
import { countPrint, getDocument, storeDocument } from '../../db/documents';
import type { Db } from '../../db/knex';
import { CARRIER_NAMES } from '../../domain/carriers';
import type { CarrierCode } from '../../domain/types';

export type LabelResult = { kind: 'ok'; pdf: Buffer; print: number; waybillNo: string } | { kind: 'not_found' | 'not_booked'; message: string };

export async function printShippingLabel(db: Db, shipmentId: string, by: string): Promise<LabelResult> {
  const s = await db('shipments').where({ id: shipmentId }).first();
  if (!s) return { kind: 'not_found', message: `no parcel ${shipmentId}` };
  if (!s.tracking_no || !s.carrier || ['cancelled', 'created'].includes(s.status)) return { kind: 'not_booked', message: `parcel ${shipmentId} has no waybill yet` };
  let doc = await getDocument(db, 'shipping_label', shipmentId);
  if (!doc) {
    const order = await db('orders').where({ order_no: s.order_no }).first();
    const count = await db('shipments').where({ order_no: s.order_no }).whereNotIn('status', ['cancelled', 'replaced']).count({ n: '*' });
    const names = CARRIER_NAMES[s.carrier as CarrierCode];
    const pdf = await renderShippingLabel(
      {
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
      },
      findCjkFont(),
    );
    doc = await storeDocument(db, { kind: 'shipping_label', subject: shipmentId, contentType: 'application/pdf', content: pdf, createdBy: by });
  }
  const print = await countPrint(db, doc.id);
  await recordAudit(db, { actor: by, action: print === 1 ? 'label.print' : 'label.reprint', orderNo: s.order_no, subject: `shipment:${shipmentId}`, data: { waybillNo: s.tracking_no, print, bytes: doc.bytes } });
  return { kind: 'ok', pdf: doc.content, print, waybillNo: s.tracking_no };
}
