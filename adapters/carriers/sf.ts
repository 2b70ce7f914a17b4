import type { SfSettings } from '../../config/providers';
import type { Db } from '../../db/knex';
import type { CarrierAdapter } from './carrier';
import { createSandboxCarrier, SandboxHooks } from './sandbox-carrier';
import { createSfExpressCarrier } from './sf-express-api';

/**
 * SF Express (顺丰速运): the live open-platform client (sf-express-api.ts) when SF is configured
 * (config/providers.ts), else the sandbox in sandbox mode. The shipment id is the carrier
 * order id, so a retried booking cannot issue a second waybill.
 */
export function createSFCarrier(db: Db, opts: { sandbox: boolean; hooks?: SandboxHooks; live?: SfSettings }): CarrierAdapter {
  if (opts.live) return createSfExpressCarrier(opts.live);
  if (!opts.sandbox) throw new Error('SF: no live integration is configured (BOXFLOW_SF_PARTNER_ID, BOXFLOW_SF_CHECK_WORD); or run with BOXFLOW_SANDBOX=1');
  return createSandboxCarrier(db, { code: 'SF', waybillPrefix: 'SF', base: 12, perKg: 2 }, opts.hooks);
}
