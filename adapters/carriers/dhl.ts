import type { Db } from '../../db/knex';
import type { CarrierAdapter } from './carrier';
import { createSandboxCarrier, SandboxHooks } from './sandbox-carrier';

/**
 * DHL Express. Only the sandbox exists so far; a live client would implement CarrierAdapter here,
 * with this shipment's id as the carrier order id so a retried booking cannot issue a second waybill.
 */
export function createDHLCarrier(db: Db, opts: { sandbox: boolean; hooks?: SandboxHooks }): CarrierAdapter {
  if (!opts.sandbox) throw new Error('DHL: no live integration is configured; run with BOXFLOW_SANDBOX=1');
  return createSandboxCarrier(db, { code: 'DHL', waybillPrefix: 'DHL', base: 180, perKg: 60 }, opts.hooks);
}
