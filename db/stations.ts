import type { Db } from './knex';
import { emitParcelShipped } from './outbound-webhooks';
import { dbTime } from './time';

/**
 * Stations mode: where each order waits on the warehouse floor (written by its workflow), and what
 * the pack and hand-over stations recorded on each parcel. Every write is idempotent (a retried
 * activity writes the same thing again).
 */
export type StationStepValue = 'pick' | 'pack' | 'handover' | null;

export async function setStationStep(db: Db, input: { orderNo: string; step: StationStepValue; dueAt?: string }): Promise<void> {
  await db('orders')
    .where({ order_no: input.orderNo })
    .update({ station_step: input.step, station_since: input.step ? dbTime() : null, station_due: input.step && input.dueAt ? input.dueAt : null });
}

/** P1.5: the box the packer used and what the parcel weighed; the measured weight is what the carrier is told. */
export async function recordPacked(db: Db, input: { shipmentId: string; box: string; weightGrams: number; by: string }): Promise<void> {
  await db('shipments')
    .where({ id: input.shipmentId })
    .update({ packed_box: input.box, packed_weight_grams: Math.round(input.weightGrams), weight_grams: Math.round(input.weightGrams), packed_by: input.by.slice(0, 64), packed_at: dbTime() });
}

/**
 * P2.2: the courier's scan took the parcel: booked → shipped (compare-and-set; a parcel shipped
 * already stays as it was). Returns whether the parcel is shipped now.
 */
export async function handOverParcel(db: Db, input: { shipmentId: string; by: string }): Promise<{ shipped: boolean }> {
  await db.transaction(async (trx) => {
    const n = await trx('shipments').where({ id: input.shipmentId, status: 'booked' }).update({ status: 'shipped', shipped_at: dbTime(), handed_over_by: input.by.slice(0, 64) });
    if (n === 1) await emitParcelShipped(trx, input.shipmentId);
  });
  const row = await db('shipments').where({ id: input.shipmentId }).first('status');
  return { shipped: row?.status === 'shipped' };
}
