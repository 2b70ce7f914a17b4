import { Context } from '@temporalio/activity';
import { dbTime } from '../db/time';
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
import type { ActivityDeps } from './deps';

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
      const shipment = await getShipment(db, shipmentId);
      if (!shipment) throw new Error(`shipment ${shipmentId} does not exist`);
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
      if (!shipment) throw new Error(`shipment ${input.shipmentId} does not exist`);
      if (shipment.trackingNo && shipment.carrier === input.carrier) {
        return { accepted: true, waybillNo: shipment.trackingNo, labelUrl: `stored://${shipment.trackingNo}` };
      }
      const order = await getOrder(db, shipment.orderNo);
      if (!order) throw new Error(`order ${shipment.orderNo} does not exist`);
      const sandbox = await sandboxOf(shipment.orderNo);
      const ctx = Context.current();
      const adapter = carriers(input.carrier, { onWait: () => ctx.heartbeat() });
      let result: BookingResult;
      try {
        result = await adapter.book({
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
        });
      } catch (err) {
        if (err instanceof CarrierUnavailableError) throw ApplicationFailure.retryable(err.message, 'CarrierUnavailable');
        throw err;
      }
      if (result.accepted) {
        await updateShipment(db, input.shipmentId, {
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
      }
      return result;
    },

    /** P2.2: handed over to the carrier; ship time recorded. */
    async markShipmentsShipped(input: { shipmentIds: string[] }): Promise<void> {
      const now = dbTime();
      for (const id of input.shipmentIds) {
        await db('shipments').where({ id, status: 'booked' }).update({ status: 'shipped', shipped_at: now });
      }
    },

    /** P2.10: build the customs declaration of a parcel and have it reviewed. */
    async declareCustoms(input: { shipmentId: string; attempt: number }): Promise<{ accepted: boolean; issues: Array<{ path: string; message: string }>; reason?: string }> {
      const shipment = await getShipment(db, input.shipmentId);
      if (!shipment) throw new Error(`shipment ${input.shipmentId} does not exist`);
      const order = await getOrder(db, shipment.orderNo);
      if (!order) throw new Error(`order ${shipment.orderNo} does not exist`);
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
      const review = await customs.review({ orderNo: shipment.orderNo, shipmentId: shipment.id, attempt: input.attempt, declaration, sandbox: await sandboxOf(shipment.orderNo) });
      return { accepted: review.accepted, issues: [], reason: review.reason };
    },

    /** Compensation: cancel every booking of the order with its carrier (void its label). Idempotent. */
    async cancelBookings(orderNo: string): Promise<number> {
      let cancelled = 0;
      for (const s of await listShipments(db, orderNo)) {
        if (!s.carrier || s.status === 'cancelled' || s.status === 'shipped') continue;
        await carriers(s.carrier).cancel(s.id);
        await updateShipment(db, s.id, { status: 'cancelled' });
        cancelled++;
      }
      // Parcels packed but never booked are unpacked.
      await db('shipments').where({ order_no: orderNo }).whereIn('status', ['packed', 'labelled', 'label_incomplete']).update({ status: 'cancelled' });
      return cancelled;
    },
  };
}
