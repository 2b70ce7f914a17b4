import type { Db } from '../../db/knex';
import type { CarrierAdapter } from './carrier';
import { createSandboxCarrier, SandboxHooks } from './sandbox-carrier';

/**
 * SF Express (顺丰速运). Only the sandbox exists so far; a live client would implement CarrierAdapter here,
 * with this shipment's id as the carrier order id so a retried booking cannot issue a second waybill.
 */
export function createSFCarrier(db: Db, opts: { sandbox: boolean; hooks?: SandboxHooks }): CarrierAdapter {
  if (!opts.sandbox) throw new Error('SF: no live integration is configured; run with BOXFLOW_SANDBOX=1');
  return createSandboxCarrier(db, { code: 'SF', waybillPrefix: 'SF', base: 12, perKg: 2 }, opts.hooks);
}
