import type { Db } from '../../db/knex';
import type { CarrierAdapter } from './carrier';
import { createSandboxCarrier, SandboxHooks } from './sandbox-carrier';

/**
 * YTO Express (圆通速递). Only the sandbox exists so far; a live client would implement CarrierAdapter here,
 * with this shipment's id as the carrier order id so a retried booking cannot issue a second waybill.
 */
export function createYTOCarrier(db: Db, opts: { sandbox: boolean; hooks?: SandboxHooks }): CarrierAdapter {
  if (!opts.sandbox) throw new Error('YTO: no live integration is configured; run with BOXFLOW_SANDBOX=1');
  return createSandboxCarrier(db, { code: 'YTO', waybillPrefix: 'YT', base: 8, perKg: 1.5 }, opts.hooks);
}
