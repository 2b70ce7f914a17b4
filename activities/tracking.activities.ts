import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SandboxTrackingScenario } from '../adapters/carriers/tracking';
import { WAREHOUSE_ADDRESS } from './shipment.activities';
import { appendEvent } from '../db/events';
import { emitParcelShipped, emitWebhookEvent } from '../db/outbound-webhooks';
import { dispatchWebhookDeliveries } from './webhooks.activities';
import { getOrder } from '../db/orders';
import { getShipment, updateShipment } from '../db/shipments';
import { dbTime, toIso } from '../db/time';
import { listTrackingEvents, recordTrackingEvent, TrackingEventRow } from '../db/tracking';
import { normalizeCarrierStatus, TRANSIT_PROMISE_MS } from '../domain/tracking';
import type { Address, CarrierCode } from '../domain/types';
import type { ActivityDeps } from './deps';
import { heartbeating, notFound } from './errors';

export interface TrackingSnapshot {
  shipmentId: string;
  carrier: CarrierCode;
  trackingNo: string;
  shippedAt: string;
  promisedAt: string;
  /** Stored events after the cursor, in the order they happened. */
  events: TrackingEventRow[];
}

export function createTrackingActivities({ db, tracker, carriers, settings }: ActivityDeps) {
  const scenarioOf = async (orderNo: string, shipment: { replacesShipmentId: string | null }): Promise<SandboxTrackingScenario> => {
    if (!settings.sandbox || shipment.replacesShipmentId) return 'normal'; // a replacement parcel travels normally
    const row = await db('orders').where({ order_no: orderNo }).first('sandbox_json');
    return (row?.sandbox_json ? JSON.parse(row.sandbox_json).tracking : undefined) ?? 'normal';
  };

  return {
    /**
     * P3.1: asks the carrier for the waybill's events, stores the new ones (deduplicated by event id,
     * shared with the webhook), and returns every stored event after the workflow's cursor.
     */
    async pullTrackingEvents(input: { shipmentId: string; afterRowId: number; asOf?: number }): Promise<TrackingSnapshot> {
      const row = await db('shipments').where({ id: input.shipmentId }).first();
      if (!row || !row.carrier || !row.tracking_no || !row.shipped_at) throw ApplicationFailure.nonRetryable(`shipment ${input.shipmentId} has not been handed over`, 'NotShipped');
      const carrier = row.carrier as CarrierCode;
      const shippedAt = toIso(row.shipped_at)!;
      const scenario = await scenarioOf(row.order_no, { replacesShipmentId: row.replaces_shipment_id });
      // A live feed (Kuaidi100) is told to push this waybill's scans until the first one is here;
      // a refused or unanswered subscription leaves the poll below to do the work.
      let phone: string | undefined;
      if (tracker.subscribe) {
        const order = await getOrder(db, row.order_no);
        // The last four digits are enough for the carriers that ask (SF), and all Kuaidi100 needs to see.
        phone = order?.shippingAddress.phone?.replace(/\D/g, '').slice(-4) || undefined;
        if (input.afterRowId === 0) {
          try {
            await heartbeating(() => tracker.subscribe!({ carrier, trackingNo: row.tracking_no, phone, to: order ? [order.shippingAddress.province, order.shippingAddress.city].filter(Boolean).join('') : undefined }));
          } catch (err) {
            Context.current().log.warn(`tracking subscription of ${carrier} ${row.tracking_no} failed; polling instead`, { error: (err as Error).message });
          }
        }
      }
      const raw = await heartbeating(() => tracker.track({ carrier, trackingNo: row.tracking_no, shipmentId: row.id, shippedAt, scenario, asOf: input.asOf, phone }));
      for (const e of raw) {
        await recordTrackingEvent(db, { shipmentId: row.id, carrier, eventId: e.eventId, status: normalizeCarrierStatus(carrier, e.rawStatus), rawStatus: e.rawStatus, description: e.description, location: e.location, occurredAt: e.occurredAt, raw: e, receivedVia: 'poll' });
      }
      const promisedAt = row.promised_at ? new Date(row.promised_at).toISOString() : new Date(Date.parse(shippedAt) + TRANSIT_PROMISE_MS[carrier] * settings.timeScale).toISOString();
      const all = await listTrackingEvents(db, row.id);
      const latest = all[all.length - 1];
      await updateShipment(db, row.id, {
        promised_at: promisedAt,
        ...(latest ? { tracking_status: latest.status, last_scan_at: latest.occurredAt } : {}),
        ...(latest?.status === 'delivered' ? { delivered_at: latest.occurredAt } : {}),
      });
      return { shipmentId: row.id, carrier, trackingNo: row.tracking_no, shippedAt, promisedAt, events: all.filter((e) => e.rowId > input.afterRowId) };
    },

    async markShipmentDelayed(input: { shipmentId: string; reason: string }): Promise<void> {
      const s = await getShipment(db, input.shipmentId);
      if (!s) return;
      await db.transaction(async (trx) => {
        await updateShipment(trx, input.shipmentId, { delayed: true });
        await appendEvent(trx, { orderNo: s.orderNo, type: 'delivery_delayed', detail: `P3.2: ${s.carrier} ${s.trackingNo} is late: ${input.reason}`, dedupeKey: `delayed:${input.shipmentId}` });
        await emitWebhookEvent(trx, { type: 'order.delayed', orderNo: s.orderNo, sourceKey: `delayed:${input.shipmentId}`, data: { orderNo: s.orderNo, shipmentId: s.id, carrier: s.carrier, waybill: s.trackingNo, reason: input.reason } });
      });
      await dispatchWebhookDeliveries(db);
    },

    async finishShipment(input: { shipmentId: string; status: 'delivered' | 'returned_to_sender' | 'lost' | 'expired' | 'replaced' | 'refunded'; detail: string }): Promise<void> {
      const s = await getShipment(db, input.shipmentId);
      if (!s) return;
      await db.transaction(async (trx) => {
        await updateShipment(trx, input.shipmentId, { status: input.status });
        await appendEvent(trx, { orderNo: s.orderNo, type: `shipment_${input.status}`, detail: input.detail, data: { shipmentId: s.id, trackingNo: s.trackingNo }, dedupeKey: `shipment-final:${input.shipmentId}:${input.status}` });
        if (input.status === 'delivered') {
          const at = await trx('shipments').where({ id: s.id }).first('delivered_at');
          await emitWebhookEvent(trx, { type: 'order.delivered', orderNo: s.orderNo, sourceKey: `delivered:${s.id}`, data: { orderNo: s.orderNo, shipmentId: s.id, carrier: s.carrier, waybill: s.trackingNo, deliveredAt: toIso(at?.delivered_at) } });
        }
      });
      await dispatchWebhookDeliveries(db);
    },

    /**
     * P3.2 "resubmit the shipping application": a new shipment with the same items (and the corrected
     * address, when given) is booked with the same carrier under its own idempotency key; the old
     * waybill is cancelled with the carrier. Retried, it books once.
     */
    async rebookShipment(input: { shipmentId: string; reason: string; shippingAddress?: Address }): Promise<{ shipmentId: string; carrier: CarrierCode; trackingNo: string }> {
      const old = await db('shipments').where({ id: input.shipmentId }).first();
      if (!old) throw notFound(`shipment ${input.shipmentId}`);
      const order = await getOrder(db, old.order_no);
      if (!order) throw notFound(`order ${old.order_no}`);
      if (input.shippingAddress) {
        await db('orders').where({ order_no: order.orderNo }).update({ shipping_address_json: JSON.stringify(input.shippingAddress), updated_at: dbTime() });
      }
      const [{ max }] = await db('shipments').where({ order_no: old.order_no }).max({ max: 'parcel_index' });
      const existing = await db('shipments').where({ replaces_shipment_id: old.id }).first();
      const newId = existing?.id ?? `${old.id}-R${Number(max) + 1}`;
      if (!existing) {
        await db('shipments').insert({
          id: newId, order_no: old.order_no, parcel_index: Number(max) + 1, status: 'packed', box: old.box, protection: old.protection,
          packaging_reason: old.packaging_reason, weight_grams: old.weight_grams, volume_cm3: old.volume_cm3, items_json: old.items_json,
          labels_json: old.labels_json, kind: 'outbound', replaces_shipment_id: old.id, created_at: dbTime(),
        });
      }
      const carrier = old.carrier as CarrierCode;
      const items = JSON.parse(old.items_json) as Array<{ unitPrice: number; quantity: number }>;
      await updateShipment(db, newId, { booking_carrier: carrier });
      const result = await heartbeating(() =>
        carriers(carrier).book({
          idempotencyKey: newId, orderNo: old.order_no, shipmentId: newId, sender: WAREHOUSE_ADDRESS, recipient: input.shippingAddress ?? order.shippingAddress,
          weightGrams: old.weight_grams, volumeCm3: old.volume_cm3, declaredValue: items.reduce((s, i) => s + i.unitPrice * i.quantity, 0), currency: order.currency,
        }),
      );
      if (!result.accepted) throw ApplicationFailure.retryable(`${carrier} rejected the new booking: ${result.reason}`, 'CarrierRejected');
      await heartbeating(() => carriers(carrier).cancel(old.id));
      const now = dbTime();
      await db.transaction(async (trx) => {
        await updateShipment(trx, newId, { carrier, carrier_reason: `P3.2: resubmitted (${input.reason})`, tracking_no: result.waybillNo, status: 'shipped', booked_at: now, shipped_at: now });
        await emitParcelShipped(trx, newId);
      });
      await updateShipment(db, old.id, { status: 'replaced' });
      await appendEvent(db, { orderNo: old.order_no, type: 'shipment_rebooked', detail: `P3.2: ${old.tracking_no} replaced by ${carrier} ${result.waybillNo} (${input.reason})`, dedupeKey: `rebooked:${old.id}` });
      await dispatchWebhookDeliveries(db);
      return { shipmentId: newId, carrier, trackingNo: result.waybillNo };
    },

    /**
     * How the tracking of these handed-over parcels ended, from their own records (the order's safety
     * net when a tracker's parcelTracked signal was lost): a parcel replaced by a resubmission is
     * followed to its replacement; one whose tracking workflow failed or was terminated counts as
     * expired (no more news will come). Parcels still travelling are left out.
     */
    async parcelOutcomes(input: { orderNo: string; shipmentIds: string[] }): Promise<Array<{ shipmentId: string; finalShipmentId: string; outcome: 'delivered' | 'returned_to_sender' | 'refunded' | 'expired' }>> {
      const rows = await db('shipments').where({ order_no: input.orderNo });
      const byId = new Map(rows.map((r: { id: string }) => [r.id, r]));
      const replacementOf = new Map(rows.filter((r: { replaces_shipment_id: string | null }) => r.replaces_shipment_id).map((r: { id: string; replaces_shipment_id: string }) => [r.replaces_shipment_id, r.id]));
      const out: Array<{ shipmentId: string; finalShipmentId: string; outcome: 'delivered' | 'returned_to_sender' | 'refunded' | 'expired' }> = [];
      const client = (() => {
        try {
          return Context.current().client;
        } catch {
          return undefined;
        }
      })();
      for (const id of input.shipmentIds) {
        let current = id;
        for (let hops = 0; replacementOf.has(current) && hops < 20; hops++) current = replacementOf.get(current)!;
        const status = (byId.get(current) as { status?: string } | undefined)?.status;
        if (status === 'delivered' || status === 'returned_to_sender' || status === 'refunded' || status === 'expired') {
          out.push({ shipmentId: id, finalShipmentId: current, outcome: status });
          continue;
        }
        if (status === 'lost') {
          out.push({ shipmentId: id, finalShipmentId: current, outcome: 'expired' });
          continue;
        }
        // Still travelling as far as the database knows: has its tracking workflow ended badly?
        const described = client ? await client.workflow.getHandle(`track-${id}`).describe().catch(() => undefined) : undefined;
        if (described && ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'].includes(described.status.name)) {
          await appendEvent(db, { orderNo: input.orderNo, type: 'tracking_failed', detail: `P3.1: tracking of ${id} ended ${described.status.name.toLowerCase()}; no more news will come`, dedupeKey: `tracking-failed:${id}` });
          out.push({ shipmentId: id, finalShipmentId: current, outcome: 'expired' });
        }
      }
      return out;
    },

    /** What the parcel's items are worth, for a refund of a lost parcel. */
    async shipmentValue(shipmentId: string): Promise<number> {
      const s = await getShipment(db, shipmentId);
      return s ? Math.round(s.items.reduce((sum, i) => sum + i.unitPrice * i.quantity, 0) * 100) / 100 : 0;
    },
  };
}
