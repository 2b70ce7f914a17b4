import crypto from 'node:crypto';
import { dbTime } from '../../db/time';
import type { Db } from '../../db/knex';
import type { CarrierCode } from '../../domain/types';
import type { BookingRequest, BookingResult, CarrierAdapter, RateQuote } from './carrier';
import { CarrierUnavailableError } from './carrier';

/**
 * A carrier in sandbox mode. It keeps its own ledger of bookings (table sandbox_carrier_bookings),
 * as the real carrier would on its side, so that a test can count how many waybills were really
 * issued for a shipment after crashes and retries.
 */
/** How long a simulated timeout hangs: longer than the booking activity's 5 s heartbeat timeout. */
export const SANDBOX_HANG_MS = 8_000;

export interface SandboxCarrierProfile {
  code: CarrierCode;
  waybillPrefix: string;
  /** price = base + perKg × kg, in CNY */
  base: number;
  perKg: number;
}

export interface SandboxHooks {
  /** Called while a slow booking waits, so the activity can heartbeat. */
  onWait?: () => void;
}

export function createSandboxCarrier(db: Db, profile: SandboxCarrierProfile, hooks: SandboxHooks = {}): CarrierAdapter {
  const sleep = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      hooks.onWait?.();
      await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
    }
  };

  return {
    code: profile.code,

    async quote(req): Promise<RateQuote> {
      const kg = Math.max(0.5, req.weightGrams / 1000);
      return { carrier: profile.code, amount: Math.round((profile.base + profile.perKg * kg) * 100) / 100, currency: 'CNY' };
    },

    async book(req: BookingRequest): Promise<BookingResult> {
      const sandbox = req.sandbox ?? {};
      if (sandbox.carrierFailureRate && Math.random() < sandbox.carrierFailureRate) {
        throw new CarrierUnavailableError(`${profile.code} sandbox: simulated outage`);
      }
      if (sandbox.carrier === 'vanish_once') {
        // The first carrier asked for this order records the booking, its answer is lost, and it
        // stays down for this order: BoxFlow gives up on it holding a waybill it never saw.
        const first = await db('sandbox_carrier_bookings').where({ order_no: req.orderNo }).orderBy('id').first();
        if (!first) {
          const waybillNo = `${profile.waybillPrefix}${crypto.randomInt(10 ** 9, 10 ** 10 - 1)}`;
          await db('sandbox_carrier_bookings')
            .insert({ carrier: profile.code, idempotency_key: req.idempotencyKey, waybill_no: waybillNo, order_no: req.orderNo, status: 'booked', created_at: dbTime() })
            .onConflict(['carrier', 'idempotency_key'])
            .ignore();
          throw new CarrierUnavailableError(`${profile.code} sandbox: took the booking, the answer was lost`);
        }
        if (first.carrier === profile.code) throw new CarrierUnavailableError(`${profile.code} sandbox: down since it took the booking`);
      }
      const existing = await db('sandbox_carrier_bookings').where({ carrier: profile.code, idempotency_key: req.idempotencyKey }).first();
      if (existing) return { accepted: true, waybillNo: existing.waybill_no, labelUrl: `sandbox://${profile.code}/labels/${existing.waybill_no}.pdf` };

      if (sandbox.carrier === 'reject_always') return { accepted: false, reason: `${profile.code} sandbox: address outside coverage` };
      if (sandbox.carrier === 'reject_once') {
        // Rejects the first carrier asked for this order, accepts the next (P2.4 switch carrier).
        const rejectedBefore = await db('sandbox_carrier_bookings').where({ order_no: req.orderNo, status: 'rejected' }).first();
        if (!rejectedBefore) {
          await db('sandbox_carrier_bookings')
            .insert({
              carrier: profile.code,
              idempotency_key: `${req.idempotencyKey}:rejected`,
              waybill_no: '-',
              order_no: req.orderNo,
              status: 'rejected',
              created_at: dbTime(),
            })
            .onConflict(['carrier', 'idempotency_key'])
            .ignore();
          return { accepted: false, reason: `${profile.code} sandbox: rejected once (capacity)` };
        }
      }

      // The carrier records the booking first; a worker that dies after this point and retries gets
      // the same waybill back from the lookup above.
      const waybillNo = `${profile.waybillPrefix}${crypto.randomInt(10 ** 9, 10 ** 10 - 1)}`;
      await db('sandbox_carrier_bookings')
        .insert({ carrier: profile.code, idempotency_key: req.idempotencyKey, waybill_no: waybillNo, order_no: req.orderNo, status: 'booked', created_at: dbTime() })
        .onConflict(['carrier', 'idempotency_key'])
        .ignore();
      if (sandbox.carrierTimeoutRate && Math.random() < sandbox.carrierTimeoutRate) {
        // The carrier took the booking but its answer never arrives: no heartbeat, so Temporal's
        // heartbeat timeout ends the attempt and the retry gets this waybill back by its key.
        await new Promise((r) => setTimeout(r, SANDBOX_HANG_MS));
        throw new CarrierUnavailableError(`${profile.code} sandbox: simulated timeout (no answer for ${SANDBOX_HANG_MS} ms)`);
      }
      if (sandbox.carrierLatencyMs) await sleep(sandbox.carrierLatencyMs);
      const stored = await db('sandbox_carrier_bookings').where({ carrier: profile.code, idempotency_key: req.idempotencyKey }).first();
      return { accepted: true, waybillNo: stored.waybill_no, labelUrl: `sandbox://${profile.code}/labels/${stored.waybill_no}.pdf`, pickupConfirmed: Boolean(req.pickupWindow) };
    },

    async cancel(idempotencyKey: string): Promise<void> {
      await db('sandbox_carrier_bookings').where({ carrier: profile.code, idempotency_key: idempotencyKey }).update({ status: 'cancelled' });
    },
  };
}
