import { ApplicationFailure } from '@temporalio/common';
import { getCatalogItems } from '../db/catalog';
import { appendEvent } from '../db/events';
import { getOrderLines } from '../db/orders';
import { dbTime } from '../db/time';
import { buildProductLabel } from '../domain/labels';
import { commitShippedLine } from '../db/inventory';
import type { PackItem, SandboxSettings } from '../domain/types';
import type { Db } from '../db/knex';
import type { ActivityDeps } from './deps';
import { handOverParcel, recordPacked, setStationStep, StationStepValue } from '../db/stations';
import { dispatchWebhookDeliveries } from './webhooks.activities';

export interface InspectionOutcome {
  /** Damaged units replaced from spare stock (written off, the spare took their place). */
  replaced: Array<{ lineId: number; sku: string }>;
  /** Damaged units with no spare: the line now holds one unit fewer than it should. */
  unresolved: Array<{ lineId: number; sku: string }>;
}

/** The warehouse floor: inspection (P1.4), line splits for partial shipments (P1.10), label checks (P1.6). */
export function createWarehouseActivities({ db, settings }: ActivityDeps) {
  return {
    /**
     * P1.4 inspect the reserved units at picking. In sandbox, `inspection: "damaged_once"` finds one
     * damaged unit on the first line (once per order, on the first pass). A damaged unit is written off; a spare unit
     * takes its place when stock allows, else the line is short one unit.
     */
    async inspectPickedUnits(input: string | { orderNo: string; pass: number }): Promise<InspectionOutcome> {
      return inspectUnits(db, settings.sandbox, input);
    },

    /**
     * P1.4 in stations mode: the units the picker reported damaged (with photos). Each is written
     * off; a spare unit takes its place when stock allows (the picker takes another from the bin),
     * else the line is one short (unresolved: the damaged_goods decision follows). One inspection
     * event, keyed by the workflow: a retry gets the same finding.
     */
    async recordStationDamage(input: { orderNo: string; units: Array<{ sku: string; photo?: string }>; by: string; key: string }): Promise<InspectionOutcome> {
      const outcome: InspectionOutcome = { replaced: [], unresolved: [] };
      if (!input.units.length) return outcome;
      const key = `inspection:${input.key}`;
      const seen = await db('order_events').where({ dedupe_key: key }).first();
      if (seen) return JSON.parse(seen.data_json).outcome as InspectionOutcome;
      await db.transaction(async (trx) => {
        for (const unit of input.units) {
          const line = await trx('order_lines').where({ order_no: input.orderNo, sku: unit.sku }).andWhere('reserved_quantity', '>', 0).whereNotIn('status', ['shipped', 'cancelled']).orderBy('id').first();
          if (!line) continue;
          const replaced = await trx('inventory').where('sku', unit.sku).andWhereRaw('on_hand - reserved >= 1').update({ on_hand: trx.raw('on_hand - 1'), updated_at: dbTime() });
          if (replaced) outcome.replaced.push({ lineId: line.id, sku: unit.sku });
          else {
            await trx('inventory').where('sku', unit.sku).update({ on_hand: trx.raw('on_hand - 1'), reserved: trx.raw('reserved - 1'), updated_at: dbTime() });
            await trx('order_lines').where({ id: line.id }).update({ reserved_quantity: trx.raw('reserved_quantity - 1') });
            outcome.unresolved.push({ lineId: line.id, sku: unit.sku });
          }
        }
        const what = [...outcome.replaced.map((u) => `${u.sku} replaced from stock`), ...outcome.unresolved.map((u) => `${u.sku} with no spare in stock`)].join('; ');
        await trx('order_events').insert({
          order_no: input.orderNo,
          at: dbTime(),
          type: 'inspection',
          detail: `P1.4: damaged at picking, reported by ${input.by} with a photo, written off: ${what}`.slice(0, 1000),
          data_json: JSON.stringify({ outcome, by: input.by, photos: input.units.map((u) => ({ sku: u.sku, photo: u.photo ?? null })) }),
          dedupe_key: key,
        });
      });
      return outcome;
    },

    /**
     * Splits a line so that `keepQuantity` stays on it and the rest moves to a new line (for a
     * partial shipment or a damaged unit). Idempotent through the workflow's key.
     */
    async splitLine(input: { orderNo: string; lineId: number; keepQuantity: number; key: string }): Promise<{ newLineId: number }> {
      const existing = await db('order_events').where({ dedupe_key: `split:${input.key}` }).first();
      if (existing) return { newLineId: JSON.parse(existing.data_json).newLineId };
      return db.transaction(async (trx) => {
        const line = await trx('order_lines').where({ id: input.lineId }).first();
        if (!line) throw ApplicationFailure.nonRetryable(`line ${input.lineId} does not exist`);
        const rest = line.quantity - input.keepQuantity;
        if (input.keepQuantity < 1 || rest < 1 || line.reserved_quantity > input.keepQuantity) {
          throw ApplicationFailure.nonRetryable(`cannot keep ${input.keepQuantity} of ${line.quantity} on line ${input.lineId}`);
        }
        const [{ max }] = await trx('order_lines').where({ order_no: input.orderNo }).max({ max: 'line_no' });
        const lineNo = Number(max) + 1;
        const inserted = await trx('order_lines')
          .insert({ order_no: input.orderNo, line_no: lineNo, sku: line.sku, quantity: rest, unit_price: line.unit_price, reserved_quantity: 0, status: 'open' })
          .returning('id');
        const newLineId = Number(typeof inserted[0] === 'object' ? (inserted[0] as { id: number }).id : inserted[0]);
        await trx('order_lines').where({ id: input.lineId }).update({ quantity: input.keepQuantity });
        await trx('order_events').insert({
          order_no: input.orderNo,
          at: dbTime(),
          type: 'line_split',
          detail: `line ${line.line_no} (${line.sku}): ${input.keepQuantity} kept, ${rest} moved to line ${lineNo}`,
          data_json: JSON.stringify({ lineId: input.lineId, newLineId, keepQuantity: input.keepQuantity, rest }),
          dedupe_key: `split:${input.key}`,
        });
        return { newLineId };
      });
    },

    /** Cancels lines (nothing of them ships) and returns the amount to refund for them. Idempotent. */
    /**
     * Cancels lines (their amount is what to refund). `releasedSkus`: SKUs whose reserved units went
     * back on the shelf, to be offered to waiting back-orders (allocateBackOrders).
     */
    async cancelLines(input: { orderNo: string; lineIds: number[] }): Promise<{ amount: number; releasedSkus: string[] }> {
      let amount = 0;
      const released = new Set<string>();
      for (const id of input.lineIds) {
        const line = await db('order_lines').where({ id, order_no: input.orderNo }).first();
        if (!line) continue;
        amount += line.quantity * Number(line.unit_price);
        if (line.status === 'cancelled') continue;
        await db.transaction(async (trx) => {
          const changed = await trx('order_lines').where({ id }).whereNot('status', 'cancelled').update({ status: 'cancelled', reserved_quantity: 0 });
          if (changed && line.reserved_quantity > 0) {
            await trx('inventory').where('sku', line.sku).update({ reserved: trx.raw('reserved - ?', [line.reserved_quantity]), updated_at: dbTime() });
            released.add(line.sku);
          }
        });
      }
      return { amount: Math.round(amount * 100) / 100, releasedSkus: [...released] };
    },

    /** P1.6: which reserved lines lack a label field (name, spec, production date, shelf life). */
    async checkProductLabels(orderNo: string): Promise<Array<{ lineId: number; sku: string; fields: string[] }>> {
      return missingLabels(db, orderNo);
    },

    /** P1.8 pick list: the reserved, unshipped lines and what packing needs to know of their units. */
    async pickLines(orderNo: string): Promise<{ lineIds: number[]; items: PackItem[] }> {
      return pickList(db, orderNo);
    },

    /** At hand-over (P2.2) the picked units leave the shelf: on hand and reserved both go down. Idempotent. */
    async commitShippedLines(lineIds: number[]): Promise<void> {
      for (const id of lineIds) await commitShippedLine(db, id);
    },

    async lineQuantities(input: { orderNo: string; lineIds: number[] }): Promise<Array<{ lineId: number; quantity: number; reservedQuantity: number }>> {
      const rows = await db('order_lines').where({ order_no: input.orderNo }).whereIn('id', input.lineIds);
      return input.lineIds.map((id) => {
        const r = rows.find((x: { id: number }) => x.id === id);
        if (!r) throw ApplicationFailure.nonRetryable(`line ${id} is not on order ${input.orderNo}`);
        return { lineId: id, quantity: r.quantity, reservedQuantity: r.reserved_quantity };
      });
    },

    /** Stations mode: the station the order waits at now (null: none), for the floor's pages. */
    async setStationStep(input: { orderNo: string; step: StationStepValue; dueAt?: string }): Promise<void> {
      await setStationStep(db, input);
    },

    /** P1.5 (stations mode): the pack station's box and measured weight on the parcel. */
    async recordPacked(input: { shipmentId: string; box: string; weightGrams: number; by: string }): Promise<void> {
      await recordPacked(db, input);
    },

    /** P2.2 (stations mode): the courier's scan moves one parcel to shipped. */
    async handOverParcel(input: { shipmentId: string; by: string }): Promise<{ shipped: boolean }> {
      const outcome = await handOverParcel(db, input);
      await dispatchWebhookDeliveries(db);
      return outcome;
    },

    async recordEventOnce(e: { orderNo: string; type: string; detail: string; data?: Record<string, unknown>; dedupeKey: string }): Promise<void> {
      await appendEvent(db, e);
    },
  };
}

/**
 * P1.4 inspection of the reserved units at picking (inspectPickedUnits; also inside preparePick).
 * Keyed per order: a retry gets the same finding. Its write is one transaction (nested in the
 * caller's when `db` is one).
 */
export async function inspectUnits(db: Db, sandboxOn: boolean, input: string | { orderNo: string; pass: number }): Promise<InspectionOutcome> {
  // A later pass inspects the units again after replacements arrived (the sandbox's damage happens once).
  const { orderNo, pass } = typeof input === 'string' ? { orderNo: input, pass: 1 } : input;
  const outcome: InspectionOutcome = { replaced: [], unresolved: [] };
  if (pass > 1) return outcome;
  const order = await db('orders').where({ order_no: orderNo }).first('sandbox_json');
  const sandbox: SandboxSettings = sandboxOn && order?.sandbox_json ? JSON.parse(order.sandbox_json) : {};
  if (sandbox.inspection !== 'damaged_once') return outcome;
  const line = (await getOrderLines(db, orderNo)).find((l) => l.reservedQuantity > 0 && l.status !== 'shipped');
  if (!line) return outcome;
  const key = `inspection:${orderNo}`;
  const seen = await db('order_events').where({ dedupe_key: key }).first();
  if (seen) return JSON.parse(seen.data_json).outcome as InspectionOutcome; // a retry: same finding
  await db.transaction(async (trx) => {
    // Replace from spare stock: the damaged unit leaves on_hand, the reservation stays whole.
    const replaced = await trx('inventory')
      .where('sku', line.sku)
      .andWhereRaw('on_hand - reserved >= 1')
      .update({ on_hand: trx.raw('on_hand - 1'), updated_at: dbTime() });
    if (replaced) outcome.replaced.push({ lineId: line.id, sku: line.sku });
    else {
      // No spare: write the unit off together with its reservation; the line is one short.
      await trx('inventory').where('sku', line.sku).update({ on_hand: trx.raw('on_hand - 1'), reserved: trx.raw('reserved - 1'), updated_at: dbTime() });
      await trx('order_lines').where({ id: line.id }).update({ reserved_quantity: trx.raw('reserved_quantity - 1') });
      outcome.unresolved.push({ lineId: line.id, sku: line.sku });
    }
    await trx('order_events').insert({
      order_no: orderNo,
      at: dbTime(),
      type: 'inspection',
      detail: replaced ? `P1.4: one damaged ${line.sku} written off and replaced from stock` : `P1.4: one damaged ${line.sku} written off; no spare unit in stock`,
      data_json: JSON.stringify({ outcome }),
      dedupe_key: key,
    });
  });
  return outcome;
}

/** P1.6: which reserved lines lack a label field (checkProductLabels; also inside preparePick). */
export async function missingLabels(db: Db, orderNo: string): Promise<Array<{ lineId: number; sku: string; fields: string[] }>> {
  const lines = (await getOrderLines(db, orderNo)).filter((l) => l.reservedQuantity > 0 && !['shipped', 'cancelled'].includes(l.status));
  const catalog = await getCatalogItems(db, lines.map((l) => l.sku));
  const missing: Array<{ lineId: number; sku: string; fields: string[] }> = [];
  for (const l of lines) {
    const c = catalog.get(l.sku);
    const built = buildProductLabel({ sku: l.sku, name: c?.name ?? '', spec: c?.spec ?? '', productionDate: c?.productionDate ?? null, shelfLifeDays: c?.shelfLifeDays ?? null });
    if (built.missing.length) missing.push({ lineId: l.id, sku: l.sku, fields: built.missing });
  }
  return missing;
}

/** P1.8 pick list (pickLines; also inside preparePick). */
export async function pickList(db: Db, orderNo: string): Promise<{ lineIds: number[]; items: PackItem[] }> {
  const lines = (await getOrderLines(db, orderNo)).filter((l) => l.reservedQuantity > 0 && !['shipped', 'cancelled'].includes(l.status));
  const catalog = await getCatalogItems(db, lines.map((l) => l.sku));
  const items = lines.map((l) => {
    const c = catalog.get(l.sku);
    if (!c) throw ApplicationFailure.nonRetryable(`SKU ${l.sku} vanished from the catalog`, 'CatalogChanged');
    return { sku: l.sku, quantity: l.reservedQuantity, weightGrams: c.weightGrams, lengthMm: c.lengthMm, widthMm: c.widthMm, heightMm: c.heightMm, fragile: c.fragile, unitPrice: l.unitPrice };
  });
  return { lineIds: lines.map((l) => l.id), items };
}
