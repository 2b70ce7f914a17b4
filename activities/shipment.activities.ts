import { dbTime } from '../db/time';
import { emitParcelShipped } from '../db/outbound-webhooks';
import { dispatchWebhookDeliveries } from './webhooks.activities';
import { ApplicationFailure } from '@temporalio/common';
import type { BookingResult } from '../adapters/carriers/carrier';
import { CarrierUnavailableError } from '../adapters/carriers/carrier';
import { getCatalogItems } from '../db/catalog';
import { getOrder, getOrderLines } from '../db/orders';
import { createShipments, getShipment, listShipments, NewParcel, updateShipment } from '../db/shipments';
import { buildProductLabel } from '../domain/labels';
import type { CarrierCode, PackItem, SandboxSettings } from '../domain/types';
import { buildCustomsDeclaration } from '../domain/customs';
import { createSandboxCustomsBroker } from '../adapters/customs/customs-broker';
import { HANDED_OVER_SHIPMENT } from '../db/cancellation';
import type { Db } from '../db/knex';
import type { ActivityDeps } from './deps';
import { heartbeating, notFound } from './errors';

/** The shop's warehouse: sender on every waybill (P1.7). */
export const WAREHOUSE_ADDRESS = {
  name: 'BoxFlow Toys Warehouse',
  phone: '+86 21 5555 0100',
  line1: 'No. 88 Logistics Park Road, Building 3',
  city: 'Shanghai',
  province: 'Shanghai',
  postalCode: '201100',
  country: 'CN',
};

export function createShipmentActivities({ db, carriers, settings }: ActivityDeps) {
  const customs = createSandboxCustomsBroker(db);
  const sandboxOf = async (orderNo: string): Promise<SandboxSettings> => {
    if (!settings.sandbox) return {};
    const row = await db('orders').where({ order_no: orderNo }).first('sandbox_json');
    return row?.sandbox_json ? JSON.parse(row.sandbox_json) : {};
  };

  return {
    /** P1.5 / P1.8: one shipment per parcel, with its packaging and the reason for it. */
    async createShipments(input: { orderNo: string; parcels: NewParcel[] }): Promise<string[]> {
      return createShipments(db, input.orderNo, input.parcels);
    },

    /** P1.6: product labels for every item of the parcel; reports the fields a label lacks. */
    async printProductLabels(shipmentId: string): Promise<{ missing: Array<{ sku: string; fields: string[] }> }> {
      return printLabels(db, shipmentId);
    },

    /**
     * P2.3: books the shipment with one carrier. The shipment id is the idempotency key: a retry
     * after a crash or timeout gets the first waybill back, never a second one.
     */
    async bookShipment(input: {
      shipmentId: string;
      carrier: CarrierCode;
      carrierReason: string;
      serviceLevel?: 'standard' | 'express';
      plannedShipAt?: string;
      scheduleReason?: string;
      pickupWindow?: { earliest: string; latest: string };
    }): Promise<BookingResult> {
      const shipment = await getShipment(db, input.shipmentId);
      if (!shipment) throw notFound(`shipment ${input.shipmentId}`);
      if (shipment.trackingNo && shipment.carrier === input.carrier) {
        return { accepted: true, waybillNo: shipment.trackingNo, labelUrl: `stored://${shipment.trackingNo}` };
      }
      // A parcel whose order is being cancelled is not booked (an attempt that ran late).
      if (shipment.status === 'cancelled') return { accepted: false, reason: 'the shipment was cancelled' };
      const order = await getOrder(db, shipment.orderNo);
      if (!order) throw notFound(`order ${shipment.orderNo}`);
      const sandbox = await sandboxOf(shipment.orderNo);
      // P2.4: the workflow gave up on the carrier asked before (no answer through every retry). It may
      // still have taken the booking; void it there before asking the next one, so the parcel never
      // holds two live waybills. A carrier that cannot be reached to cancel fails this attempt, and
      // after the retries the supervisor decides (carrier_rejected task).
      if (shipment.bookingCarrier && shipment.bookingCarrier !== input.carrier && !shipment.trackingNo) {
        const abandoned = shipment.bookingCarrier;
        try {
          await heartbeating(() => carriers(abandoned).cancel(input.shipmentId));
        } catch (err) {
          throw ApplicationFailure.retryable(`could not void the booking left with ${abandoned} before asking ${input.carrier}: ${(err as Error).message}`, 'CarrierUnavailable');
        }
      }
      // Written before the call: if the answer never comes back, compensation still knows whom to ask.
      await updateShipment(db, input.shipmentId, { booking_carrier: input.carrier });
      const adapter = carriers(input.carrier);
      let result: BookingResult;
      try {
        result = await heartbeating(() =>
          adapter.book({
            idempotencyKey: input.shipmentId,
            orderNo: shipment.orderNo,
            shipmentId: shipment.id,
            sender: WAREHOUSE_ADDRESS,
            recipient: order.shippingAddress,
            weightGrams: shipment.weightGrams,
            volumeCm3: shipment.volumeCm3,
            declaredValue: shipment.items.reduce((s, i) => s + i.unitPrice * i.quantity, 0),
            currency: order.currency,
            pickupWindow: input.pickupWindow,
            sandbox,
          }),
        );
      } catch (err) {
        if (err instanceof CarrierUnavailableError) throw ApplicationFailure.retryable(err.message, 'CarrierUnavailable');
        throw err;
      }
      if (result.accepted) {
        // Compare-and-set: a shipment cancelled while the carrier answered keeps no live waybill.
        const booked = await db('shipments')
          .where({ id: input.shipmentId })
          .whereNotIn('status', ['cancelled', ...HANDED_OVER_SHIPMENT])
          .update({
            carrier: input.carrier,
            carrier_reason: input.carrierReason.slice(0, 500),
            tracking_no: result.waybillNo,
            status: 'booked',
            booked_at: dbTime(),
            service_level: input.serviceLevel ?? 'standard',
            planned_ship_at: input.plannedShipAt ?? null,
            schedule_reason: input.scheduleReason?.slice(0, 500) ?? null,
            pickup_json: input.pickupWindow ? JSON.stringify(input.pickupWindow) : null,
          });
        if (booked === 0) {
          await heartbeating(() => adapter.cancel(input.shipmentId));
          return { accepted: false, reason: 'the shipment was cancelled while the carrier booked it; the waybill was cancelled' };
        }
      } else {
        // The carrier answered "no": it holds no booking, so nothing is voided before the next one.
        await db('shipments').where({ id: input.shipmentId, booking_carrier: input.carrier }).whereNull('tracking_no').update({ booking_carrier: null });
      }
      return result;
    },

    /** P2.2: handed over to the carrier; ship time recorded. */
    async markShipmentsShipped(input: { shipmentIds: string[] }): Promise<void> {
      const now = dbTime();
      for (const id of input.shipmentIds) {
        await db.transaction(async (trx) => {
          const n = await trx('shipments').where({ id, status: 'booked' }).update({ status: 'shipped', shipped_at: now });
          if (n === 1) await emitParcelShipped(trx, id);
        });
      }
      await dispatchWebhookDeliveries(db);
    },

    /** P2.10: build the customs declaration of a parcel and have it reviewed. */
    async declareCustoms(input: { shipmentId: string; attempt: number }): Promise<{ accepted: boolean; issues: Array<{ path: string; message: string }>; reason?: string }> {
      const shipment = await getShipment(db, input.shipmentId);
      if (!shipment) throw notFound(`shipment ${input.shipmentId}`);
      const order = await getOrder(db, shipment.orderNo);
      if (!order) throw notFound(`order ${shipment.orderNo}`);
      const catalog = await getCatalogItems(db, shipment.items.map((i) => i.sku));
      const { declaration, issues } = buildCustomsDeclaration({
        currency: order.currency,
        lines: shipment.items.map((i) => {
          const c = catalog.get(i.sku);
          return { sku: i.sku, name: c?.name ?? i.sku, quantity: i.quantity, unitPrice: i.unitPrice, weightGrams: i.weightGrams, hsCode: c?.hsCode ?? null, countryOfOrigin: c?.countryOfOrigin ?? null };
        }),
      });
      await updateShipment(db, input.shipmentId, { customs_json: JSON.stringify({ declaration, issues, attempt: input.attempt }) });
      if (issues.length) return { accepted: false, issues };
      const sandbox = await sandboxOf(shipment.orderNo);
      const review = await heartbeating(() => customs.review({ orderNo: shipment.orderNo, shipmentId: shipment.id, attempt: input.attempt, declaration, sandbox }));
      return { accepted: review.accepted, issues: [], reason: review.reason };
    },

    /**
     * Compensation: every parcel of the order that was not handed over has its booking cancelled with
     * the carrier (void its label), including one whose answer never reached BoxFlow
     * (booking_carrier); the parcels are cancelled (beginCancellation did it first). Idempotent.
     */
    async cancelBookings(orderNo: string): Promise<number> {
      let cancelled = 0;
      await db('shipments').where({ order_no: orderNo }).whereNotIn('status', [...HANDED_OVER_SHIPMENT, 'cancelled']).update({ status: 'cancelled' });
      const rows = await db('shipments').where({ order_no: orderNo, status: 'cancelled' });
      for (const s of rows) {
        for (const code of new Set([s.carrier, s.booking_carrier].filter(Boolean)) as Set<CarrierCode>) {
          await heartbeating(() => carriers(code).cancel(s.id));
          cancelled++;
        }
      }
      return cancelled;
    },
  };
}

/** P1.6: prints the parcel's product labels (stored on the shipment); reports the fields a label lacks. */
export async function printLabels(db: Db, shipmentId: string): Promise<{ missing: Array<{ sku: string; fields: string[] }> }> {
  const shipment = await getShipment(db, shipmentId);
  if (!shipment) throw notFound(`shipment ${shipmentId}`);
  const catalog = await getCatalogItems(db, shipment.items.map((i) => i.sku));
  const labels = [];
  const missing: Array<{ sku: string; fields: string[] }> = [];
  for (const item of shipment.items) {
    const c = catalog.get(item.sku);
    const built = buildProductLabel({
      sku: item.sku,
      name: c?.name ?? '',
      spec: c?.spec ?? '',
      productionDate: c?.productionDate ?? null,
      shelfLifeDays: c?.shelfLifeDays ?? null,
    });
    labels.push({ ...built.label, quantity: item.quantity });
    if (built.missing.length) missing.push({ sku: item.sku, fields: built.missing });
  }
  await updateShipment(db, shipmentId, { labels_json: JSON.stringify(labels), status: missing.length ? 'label_incomplete' : 'labelled' });
  return { missing };
}
