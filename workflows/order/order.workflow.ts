import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeType } from '@temporalio/common';
import { selectCarriers } from '../../domain/carriers';
import { choosePackaging } from '../../domain/packaging';
import { splitIntoParcels } from '../../domain/parcels';
import { needsPickupBooking, pickupWindow } from '../../domain/scheduling';
import type { OrderInput, OrderStatus } from '../../domain/types';
import { carrier, db } from './activities';
import { OrderProgress, orderProgressQuery } from './state';

export interface OrderWorkflowInput {
  order: OrderInput;
}

export interface OrderWorkflowResult {
  orderNo: string;
  status: OrderStatus;
  trackingNumbers: string[];
}

const key = <T extends SearchAttributeType>(name: string, type: T) => ({ name, type });
const STATUS_KEY = key('BoxflowOrderStatus', 'KEYWORD');
const TYPE_KEY = key('BoxflowOrderType', 'KEYWORD');
const CARRIER_KEY = key('BoxflowCarrier', 'KEYWORD');

/**
 * One order, from confirmation to hand-over (P1 → P2). Each step is an activity; every status
 * change is written to the timeline and to the search attributes.
 */
export async function orderFulfillment({ order }: OrderWorkflowInput): Promise<OrderWorkflowResult> {
  const orderNo = order.orderNo;
  const progress: OrderProgress = { orderNo, status: 'received', waitingFor: null, shipments: [] };
  setHandler(orderProgressQuery, () => progress);
  upsertSearchAttributes([
    { key: STATUS_KEY, value: 'received' },
    { key: TYPE_KEY, value: order.type },
  ]);

  let seq = 0;
  const moveTo = async (status: OrderStatus, detail?: string, data?: Record<string, unknown>) => {
    progress.status = status;
    upsertSearchAttributes([{ key: STATUS_KEY, value: status }]);
    await db.recordStatus({ orderNo, status, detail, data, dedupeKey: `${orderNo}:${workflowInfo().runId}:${++seq}:${status}` });
  };
  const finish = (): OrderWorkflowResult => ({
    orderNo,
    status: progress.status,
    trackingNumbers: progress.shipments.map((s) => s.trackingNo ?? '').filter(Boolean),
  });

  // P1.1 confirm the order against the catalog as it is now.
  const { issues } = await db.confirmOrderAgainstCatalog(orderNo);
  if (issues.length) {
    await moveTo('on_hold', `P1.1: order no longer matches the catalog: ${issues.map((i) => i.message).join('; ')}`, { issues });
    return finish();
  }
  await moveTo('validated', 'P1.1: order matches the catalog');

  // P1.2 reserve stock per line.
  await moveTo('reserving', 'P1.2: reserving stock');
  const reservation = await db.reserveStock(orderNo);
  if (reservation.shortages.length) {
    await db.releaseStock(orderNo);
    const what = reservation.shortages.map((s) => `${s.sku}: ${s.requested} wanted, ${s.available} available`).join('; ');
    await moveTo('on_hold', `P1.10: stockout (${what})`, { shortages: reservation.shortages });
    return finish();
  }

  // P1.4 / P1.8 pick, split into parcels, P1.5 choose packaging per parcel.
  await moveTo('picking', 'P1.8: picking');
  const items = await db.pickOrder(orderNo);
  const parcels = splitIntoParcels(items).map((p) => ({
    parcelIndex: p.index,
    items: p.items,
    weightGrams: p.weightGrams,
    volumeCm3: p.volumeCm3,
    packaging: choosePackaging(p.items),
  }));
  const shipmentIds = await db.createShipments({ orderNo, parcels });
  progress.shipments = shipmentIds.map((id) => ({ id }));
  await moveTo('packed', `P1.5: ${parcels.length} parcel(s): ${parcels.map((p) => `#${p.parcelIndex} ${p.packaging.box} (${p.packaging.reason})`).join('; ')}`);

  // P1.6 product labels.
  for (const id of shipmentIds) {
    const { missing } = await db.printProductLabels(id);
    if (missing.length) {
      await moveTo('on_hold', `P1.6: label incomplete: ${missing.map((m) => `${m.sku} lacks ${m.fields.join(', ')}`).join('; ')}`);
      return finish();
    }
  }
  await moveTo('labelled', 'P1.6: product labels printed');

  // P2.5 choose a carrier, P2.3 book (idempotent), P2.4 fall back to the next carrier on rejection.
  for (const [i, id] of shipmentIds.entries()) {
    const parcel = parcels[i];
    const declaredValue = parcel.items.reduce((s, it) => s + it.unitPrice * it.quantity, 0);
    const choice = selectCarriers({
      destinationCountry: order.shippingAddress.country,
      weightGrams: parcel.weightGrams,
      declaredValue,
      currency: order.currency,
      fragile: parcel.items.some((it) => it.fragile),
      serviceLevel: 'standard',
    });
    const pickup = needsPickupBooking(parcel.weightGrams);
    let window: { earliest: string; latest: string } | undefined;
    if (pickup.required) {
      const w = pickupWindow(Date.now());
      window = { earliest: new Date(w.earliestMs).toISOString(), latest: new Date(w.latestMs).toISOString() };
    }
    const rejections: string[] = [];
    let booked = false;
    for (const code of choice.ranked) {
      const result = await carrier.bookShipment({ shipmentId: id, carrier: code, carrierReason: choice.reason, pickupWindow: window });
      if (result.accepted) {
        progress.shipments[i] = { id, carrier: code, trackingNo: result.waybillNo };
        upsertSearchAttributes([{ key: CARRIER_KEY, value: code }]);
        booked = true;
        break;
      }
      rejections.push(`${code}: ${result.reason}`);
    }
    if (!booked) {
      await moveTo('on_hold', `P2.4: every carrier rejected parcel #${parcel.parcelIndex}: ${rejections.join('; ')}`);
      return finish();
    }
  }
  await moveTo(
    'booked',
    `P2.3: booked ${progress.shipments.map((s) => `${s.carrier} ${s.trackingNo}`).join(', ')}`,
    { shipments: progress.shipments },
  );

  // P2.2 hand-over: stock leaves the shelf, ship time recorded.
  await db.commitShippedStock(orderNo);
  await db.markShipmentsShipped(orderNo);
  await moveTo('shipped', `P2.2: shipped (${progress.shipments.map((s) => s.trackingNo).join(', ')})`);
  return finish();
}
