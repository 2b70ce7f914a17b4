import type { SfSettings } from '../../config/providers';
import type { Db } from '../../db/knex';
import type { CarrierCode } from '../../domain/types';
import type { CarrierAdapter } from './carrier';
import { CarrierUnavailableError } from './carrier';
import { createDHLCarrier } from './dhl';
import { createFEDEXCarrier } from './fedex';
import type { SandboxHooks } from './sandbox-carrier';
import { createSFCarrier } from './sf';
import { createYTOCarrier } from './yto';

export type CarrierRegistry = (code: CarrierCode, hooks?: SandboxHooks) => CarrierAdapter;

/**
 * A carrier without a live integration while BoxFlow runs live (BOXFLOW_SANDBOX=0): it is never
 * booked (a sandbox waybill on a real parcel would be a lie), it rejects, so P2.4 moves on to the
 * next carrier, and when none is left the parcel waits for a person (carrier_rejected task).
 */
function notIntegrated(code: CarrierCode): CarrierAdapter {
  return {
    code,
    async quote() {
      throw new CarrierUnavailableError(`${code}: no live integration`);
    },
    async book() {
      return { accepted: false, reason: `${code}: no live integration is configured (live mode books SF only)` };
    },
    async cancel() {
      // Nothing was ever booked with it live.
    },
  };
}

/**
 * Sandbox mode: every carrier is the sandbox, except SF when `live.sf` is given (tests against the
 * SF stand-in). Live mode: SF through the open platform (its settings are required), the other
 * carriers not offered.
 */
export function createCarrierRegistry(db: Db, sandbox: boolean, live: { sf?: SfSettings } = {}): CarrierRegistry {
  if (!sandbox && !live.sf) throw new Error('BOXFLOW_SANDBOX=0 needs SF configured (BOXFLOW_SF_PARTNER_ID, BOXFLOW_SF_CHECK_WORD, BOXFLOW_SF_BASE_URL)');
  const factories = { SF: createSFCarrier, YTO: createYTOCarrier, DHL: createDHLCarrier, FEDEX: createFEDEXCarrier };
  return (code, hooks) => {
    if (code === 'SF') return createSFCarrier(db, { sandbox, hooks, live: live.sf });
    if (!sandbox) return notIntegrated(code);
    return factories[code](db, { sandbox, hooks });
  };
}
