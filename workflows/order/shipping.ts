import { selectCarriers, isDomestic } from '../../domain/carriers';
import { choosePackaging } from '../../domain/packaging';
import { splitIntoParcels } from '../../domain/parcels';
import { DEFAULT_CUTOFFS, needsPickupBooking, pickupWindow, plannedShipDate } from '../../domain/scheduling';
import { carrier, customs, db, payment } from './activities';
import { OrderCancellation, OrderContext, SA } from './context';
import { waitForBackOrders } from './stock';
import type { TaskDesk } from './task-desk';
import { HandOverResume, Stations, STATIONS_PATCH } from './stations';
import { ActivityFailure, isCancellation, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { BookingResult } from '../../adapters/carriers/carrier';
import type { CarrierCode, PackItem } from '../../domain/types';

/** A damaged unit to be replaced ends the round before packing; the order waits, then picks again. */
const REPLACEMENT_RESTARTS_ROUND = 'replacement-restarts-round';

/** How a round ended: handed over, or waiting for replacements of damaged units (P1.4). */
export type RoundOutcome = { kind: 'handed_over'; statusWritten?: boolean } | { kind: 'wait_for_replacement'; lineIds: number[] };

/** The timeline's words for a hand-over that leaves nothing waiting (P2.2), and for one that does (P1.10). */
export function shippedDetail(ctx: OrderContext): string {
  return `P2.2: shipped (${ctx.progress.shipments.filter((s) => s.shipped !== false).map((s) => `${s.carrier} ${s.trackingNo}`).join(', ')})`;
}
export function partiallyShippedDetail(waiting: number): string {
  return `P1.10: the available part has shipped; ${waiting} line(s) wait for restock`;
}

/** An outside call whose retries ran out (not a cancellation): the process's own contingency takes over. */
const gaveUp = (err: unknown): err is ActivityFailure => err instanceof ActivityFailure && !isCancellation(err);
const failureText = (err: ActivityFailure) => (err.cause instanceof Error ? err.cause.message : err.message).slice(0, 200);

const SHOP_COUNTRY = 'CN';

/**
 * One round of warehouse and carrier work for the lines reserved now: inspection (P1.4), labels
 * (P1.6), group-buy count (P2.9), picking and parcels (P1.8), packaging (P1.5), customs (P2.10),
 * carrier choice and booking (P2.5, P2.3, P2.4) with ship date (P1.9) and pickup (P2.6), hand-over (P2.2).
 */
export async function shipReservedLines(ctx: OrderContext, desk: TaskDesk, filled: Set<number>, opts: { firstRound: boolean; inspectionPass?: number; stations?: Stations; checkpoint?: (handover?: HandOverResume) => Promise<void>; shipLater?: number }): Promise<RoundOutcome> {
  const { orderNo, order } = ctx;
  const pass = opts.inspectionPass ?? 1;
  // Merged steps (MERGED_STEPS_PATCH, fixed at the order's start): the automatic warehouse's round is
  // prepare the pick, pack and label, book, hand over; stations mode keeps its steps (people work between them).
  const merged = ctx.merged && !(opts.stations && ctx.policy.warehouse === 'stations');
  let people: Stations | undefined;
  let inspection: Awaited<ReturnType<typeof db.inspectPickedUnits>>;
  /** What preparePick found when nothing needed a decision (labels complete, the pick list). */
  let prepared: { missing: Array<{ lineId: number; sku: string; fields: string[] }>; picked?: Awaited<ReturnType<typeof db.pickLines>> } | undefined;
  if (merged) {
    const prep = await db.preparePick({ orderNo, pass, picking: ctx.statusWrite('picking', 'P1.8: picking') });
    ctx.arrived('picking');
    inspection = prep.inspection;
    if (!prep.inspection.unresolved.length) prepared = { missing: prep.missing, picked: prep.missing.length ? undefined : prep.picked };
  } else {
    await ctx.moveTo('picking', 'P1.8: picking');
    // Stations mode (fixed in the order's policy at its start): people pick, pack and hand over.
    people = opts.stations && ctx.policy.warehouse === 'stations' && patched(STATIONS_PATCH) ? opts.stations : undefined;
    if (people) {
      const list = await db.pickLines(orderNo);
      // A long wait here may continue as new: the next run starts this round again (nothing was written yet).
      if (list.items.length) await people.pick(list.items.map((i) => ({ sku: i.sku, quantity: i.quantity })), opts.checkpoint && (() => opts.checkpoint!()), floorCarrier(ctx, list.items));
    }

    // P1.4 inspection: a damaged unit without a spare needs a decision.
    // Stations mode: the picker's own findings (with photos), not the sandbox's.
    inspection = people
      ? await db.recordStationDamage({ orderNo, units: people.state.damaged, by: people.state.pickedBy ?? 'station', key: ctx.nextKey('station-inspection') })
      : await db.inspectPickedUnits(pass === 1 ? orderNo : { orderNo, pass });
  }
  const replacements: number[] = [];
  for (const damaged of inspection.unresolved) {
    const decision = await desk.ask('damaged_goods', { sku: damaged.sku, lineId: damaged.lineId }, `a damaged ${damaged.sku} with no spare in stock`);
    if (decision === 'cancel_order') throw new OrderCancellation(`P1.4: damaged ${damaged.sku}; order cancelled by decision`);
    const missingLine = await splitOffMissingUnit(ctx, damaged.lineId);
    if (decision === 'wait_for_replacement') {
      await db.registerBackOrders({ orderNo, lineIds: [missingLine] });
      if (patched(REPLACEMENT_RESTARTS_ROUND)) {
        // The order waits for the replacement outside this round (a wait that may last weeks and
        // continue as new), then picks and inspects again.
        replacements.push(missingLine);
        continue;
      }
      await waitForBackOrders(ctx, [missingLine], filled);
      await ctx.moveTo('picking', `P1.4: replacement ${damaged.sku} arrived; picking`);
    } else {
      const { amount } = await db.cancelLines({ orderNo, lineIds: [missingLine] });
      if (amount > 0) await payment.refundPayment({ orderNo, amount, reason: `P1.4: damaged ${damaged.sku} not shipped`, idempotencyKey: `refund:${orderNo}:damaged:${missingLine}` });
      await ctx.note('refund', `P1.4: damaged ${damaged.sku} ships without replacement; refunded ${amount.toFixed(2)} ${order.currency}`);
    }
  }
  if (replacements.length) return { kind: 'wait_for_replacement', lineIds: replacements };

  // P1.6 product labels must be complete before packing.
  for (;;) {
    const missing = prepared ? prepared.missing : await db.checkProductLabels(orderNo);
    if (prepared && missing.length) prepared = undefined; // decisions change the lines: read them again
    if (!missing.length) break;
    const what = missing.map((m) => `${m.sku} lacks ${m.fields.join(', ')}`).join('; ');
    await ctx.moveTo('on_hold', `P1.6: label incomplete: ${what}`, { missing });
    const decision = await desk.ask('label_incomplete', { missing }, `complete product label data (${what})`);
    if (decision === 'cancel_order') throw new OrderCancellation(`P1.6: label incomplete (${what}); cancelled by decision`);
    if (decision === 'ship_without_and_refund') {
      const lineIds = missing.map((m) => m.lineId);
      const { amount } = await db.cancelLines({ orderNo, lineIds });
      await db.allocateBackOrders(missing.map((m) => m.sku)); // their reserved units serve waiting back-orders
      if (amount > 0) await payment.refundPayment({ orderNo, amount, reason: `P1.6: items without a complete label not shipped (${what})`, idempotencyKey: `refund:${orderNo}:label:${lineIds.join('-')}` });
      await ctx.note('refund', `P1.6: shipping without ${missing.map((m) => m.sku).join(', ')}; refunded ${amount.toFixed(2)} ${order.currency}`);
    }
    await ctx.moveTo('picking', 'P1.8: picking');
  }

  let picked = prepared?.picked ?? (await db.pickLines(orderNo));
  if (!picked.items.length) throw new OrderCancellation('nothing is left to ship on this order');

  // P2.9 a group-buy ships exactly the committed quantity, neither short nor over.
  if (opts.firstRound && order.type === 'group_buy' && order.groupBuy) {
    for (;;) {
      const count = picked.items.reduce((n, i) => n + i.quantity, 0);
      if (count === order.groupBuy.committedQuantity) break;
      await ctx.moveTo('on_hold', `P2.9: picked ${count}, group-buy ${order.groupBuy.campaignId} committed ${order.groupBuy.committedQuantity}`);
      const decision = await desk.ask('group_buy_mismatch', { picked: count, committed: order.groupBuy.committedQuantity, campaignId: order.groupBuy.campaignId }, 'the picked quantity does not match the group-buy');
      if (decision === 'cancel_order') throw new OrderCancellation(`P2.9: picked ${count} ≠ committed ${order.groupBuy.committedQuantity}; cancelled`);
      if (decision === 'ship_as_picked') {
        await ctx.note('group_buy_override', `P2.9: shipping ${count} as picked (committed ${order.groupBuy.committedQuantity}) by decision`);
        break;
      }
      picked = await db.pickLines(orderNo); // repick
    }
  }

  // P1.8 split into parcels, P1.5 packaging per parcel.
  const offset = ctx.progress.shipments.length;
  const parcels = splitIntoParcels(picked.items).map((p) => ({
    parcelIndex: offset + p.index,
    items: p.items,
    weightGrams: p.weightGrams,
    volumeCm3: p.volumeCm3,
    packaging: choosePackaging(p.items),
  }));
  const packedDetail = `P1.5/P1.8: ${parcels.length} parcel(s): ${parcels.map((p) => `#${p.parcelIndex} ${p.packaging.box} (${p.packaging.reason})`).join('; ')}`;
  let shipmentIds: string[];
  if (merged) {
    shipmentIds = await db.packAndLabel({ orderNo, parcels, packed: ctx.statusWrite('packed', packedDetail), labelled: ctx.statusWrite('labelled', 'P1.6: product labels printed') });
    ctx.progress.shipments.push(...shipmentIds.map((id) => ({ id })));
    ctx.arrived('labelled');
  } else {
    shipmentIds = await db.createShipments({ orderNo, parcels });
    ctx.progress.shipments.push(...shipmentIds.map((id) => ({ id })));
    if (people) await people.pack(parcels.map((p, i) => ({ shipmentId: shipmentIds[i], parcelIndex: p.parcelIndex, itemsGrams: p.weightGrams, suggestedBox: p.packaging.box })), floorCarrier(ctx, picked.items));
    await ctx.moveTo('packed', packedDetail);
    for (const id of shipmentIds) await db.printProductLabels(id);
    await ctx.moveTo('labelled', 'P1.6: product labels printed');
  }

  // P2.10 international parcels clear a customs review first.
  if (!isDomestic(SHOP_COUNTRY, order.shippingAddress.country)) {
    for (const id of shipmentIds) {
      for (let attempt = 1; ; attempt++) {
        let review: { accepted: boolean; issues: Array<{ path: string; message: string }>; reason?: string };
        try {
          review = await customs.declareCustoms({ shipmentId: id, attempt });
        } catch (err) {
          if (!gaveUp(err)) throw err;
          // The broker did not answer through every retry: a customs hold for a person to decide on.
          review = { accepted: false, issues: [], reason: `the customs broker did not answer: ${failureText(err)}` };
        }
        if (review.accepted) {
          await ctx.note('customs', `P2.10: customs declaration of ${id} accepted`);
          break;
        }
        const why = review.issues.length ? review.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : review.reason ?? 'rejected';
        await ctx.moveTo('on_hold', `P2.10: customs hold on ${id}: ${why}`);
        const decision = await desk.ask('customs_hold', { shipmentId: id, issues: review.issues, reason: review.reason ?? null }, `customs for ${id}`);
        if (decision === 'cancel_order') throw new OrderCancellation(`P2.10: customs hold (${why}); cancelled`);
      }
    }
  }

  // P2.5 carrier rule, P1.9 ship date, P2.6 pickup window, P2.3 idempotent booking, P2.4 fallback.
  for (const [i, id] of shipmentIds.entries()) {
    const parcel = parcels[i];
    for (;;) {
      const choice = selectCarriers({
        destinationCountry: order.shippingAddress.country,
        weightGrams: parcel.weightGrams,
        declaredValue: parcel.items.reduce((s, it) => s + it.unitPrice * it.quantity, 0),
        currency: order.currency,
        fragile: parcel.items.some((it) => it.fragile),
        serviceLevel: ctx.serviceLevel,
      });
      const rejections: string[] = [];
      let booked = false;
      for (const code of choice.ranked) {
        const plan = plannedShipDate(Date.now(), DEFAULT_CUTOFFS[code]);
        const pickup = needsPickupBooking(parcel.weightGrams);
        const window = pickup.required ? pickupWindow(plan.shipAtMs) : undefined;
        let result: BookingResult;
        try {
          result = await carrier.bookShipment({
          shipmentId: id,
          carrier: code,
          carrierReason: choice.reason,
          serviceLevel: ctx.serviceLevel,
          plannedShipAt: new Date(plan.shipAtMs).toISOString(),
          scheduleReason: `${plan.reason}${pickup.required ? `; ${pickup.reason}` : ''}`,
          pickupWindow: window ? { earliest: new Date(window.earliestMs).toISOString(), latest: new Date(window.latestMs).toISOString() } : undefined,
          });
        } catch (err) {
          if (!gaveUp(err)) throw err;
          // P2.4: a carrier that does not answer through every retry is treated like one that refused.
          result = { accepted: false, reason: `unavailable: ${failureText(err)}` };
        }
        if (result.accepted) {
          ctx.progress.shipments[offset + i] = { id, carrier: code, trackingNo: result.waybillNo };
          const carriers = [...new Set(ctx.progress.shipments.map((s) => s.carrier).filter((c): c is string => Boolean(c)))];
          upsertSearchAttributes([{ key: SA.carrier, value: code }, { key: SA.carriers, value: carriers }]);
          booked = true;
          break;
        }
        rejections.push(`${code}: ${result.reason}`);
        await ctx.note('carrier_rejected', `P2.4: ${code} rejected ${id}: ${result.reason}`);
      }
      if (booked) break;
      await ctx.moveTo('on_hold', `P2.4: every carrier rejected parcel #${parcel.parcelIndex}: ${rejections.join('; ')}`);
      const decision = await desk.ask('carrier_rejected', { shipmentId: id, rejections }, `a carrier for parcel #${parcel.parcelIndex}`);
      if (decision === 'cancel_order') throw new OrderCancellation(`P2.4: no carrier accepted (${rejections.join('; ')}); cancelled`);
    }
  }
  const booked = ctx.progress.shipments.slice(offset);
  const bookedDetail = `P2.3: booked ${booked.map((s) => `${s.carrier} ${s.trackingNo}`).join(', ')}`;
  if (merged) {
    // P2.2 hand-over in one transaction: parcels shipped, their units off the shelf, the order booked
    // then shipped (or partially shipped, the rest waiting for restock). No cancellation comes between.
    const statuses = [ctx.statusWrite('booked', bookedDetail, { shipments: booked.map((s) => ({ ...s })) })];
    const final = opts.shipLater ? ctx.statusWrite('partially_shipped', partiallyShippedDetail(opts.shipLater)) : ctx.statusWrite('shipped', shippedDetail(ctx));
    statuses.push(final);
    ctx.handedOver = true;
    ctx.handingOver = true;
    await db.handOver({ orderNo, shipmentIds, lineIds: picked.lineIds, statuses });
    for (const s of ctx.progress.shipments.slice(offset)) s.shipped = true;
    ctx.arrived(final.status);
    ctx.handingOver = false;
    return { kind: 'handed_over', statusWritten: true };
  }
  await ctx.moveTo('booked', bookedDetail, { shipments: booked });

  if (people) {
    // P2.2: only the courier's scan at pickup moves each parcel to shipped (Stations.onHandOver).
    const stationParcels = booked.map((s, i) => ({ shipmentId: s.id, parcelIndex: parcels[i].parcelIndex, itemsGrams: parcels[i].weightGrams, suggestedBox: parcels[i].packaging.box, carrier: s.carrier, waybillNo: s.trackingNo }));
    return handOverAtStation(ctx, people, { parcels: stationParcels, lineIds: picked.lineIds, handedOver: [], rolls: 0 }, opts.checkpoint);
  }

  // P2.2 hand-over: while it runs, no cancellation comes between; after it, these parcels can only be returned.
  ctx.handedOver = true;
  ctx.handingOver = true;
  await db.commitShippedLines(picked.lineIds);
  await db.markShipmentsShipped({ shipmentIds });
  for (const s of ctx.progress.shipments.slice(offset)) s.shipped = true;
  ctx.handingOver = false;
  return { kind: 'handed_over' };
}

/**
 * P2.2 in stations mode: waits for the courier's scans (each moves its parcel to shipped), then the
 * round's units leave the shelf. Also where a run that continued as new after a missed pickup resumes.
 */
export async function handOverAtStation(ctx: OrderContext, people: Stations, resume: HandOverResume, checkpoint?: (handover?: HandOverResume) => Promise<void>): Promise<RoundOutcome> {
  await people.handOver(resume.parcels, {
    resume,
    atRoll: checkpoint && ((s) => checkpoint({ ...s, lineIds: resume.lineIds })),
  });
  ctx.handingOver = true;
  await db.commitShippedLines(resume.lineIds);
  ctx.handingOver = false;
  return { kind: 'handed_over' };
}

/**
 * The carrier the floor works to before one is booked (P2.5's rule on the lines to ship; the floor's
 * waves use the same): its pickup cut-off sets the pick and pack deadlines.
 */
function floorCarrier(ctx: OrderContext, items: PackItem[]): CarrierCode {
  return selectCarriers({
    destinationCountry: ctx.order.shippingAddress.country,
    weightGrams: items.reduce((g, i) => g + i.weightGrams * i.quantity, 0),
    declaredValue: items.reduce((v, i) => v + i.unitPrice * i.quantity, 0),
    currency: ctx.order.currency,
    fragile: items.some((i) => i.fragile),
    serviceLevel: ctx.serviceLevel,
  }).ranked[0];
}

/** A line short one unit (a damaged one written off) is split so the missing unit has a line of its own. */
async function splitOffMissingUnit(ctx: OrderContext, lineId: number): Promise<number> {
  const lines = await db.lineQuantities({ orderNo: ctx.orderNo, lineIds: [lineId] });
  const line = lines[0];
  if (line.reservedQuantity === 0) return lineId; // the whole line was the damaged unit
  const { newLineId } = await db.splitLine({ orderNo: ctx.orderNo, lineId, keepQuantity: line.reservedQuantity, key: ctx.nextKey(`damaged-${lineId}`) });
  return newLineId;
}
