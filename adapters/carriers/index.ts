import type { Db } from '../../db/knex';
import type { CarrierCode } from '../../domain/types';
import type { CarrierAdapter } from './carrier';
import { createDHLCarrier } from './dhl';
import { createFEDEXCarrier } from './fedex';
import type { SandboxHooks } from './sandbox-carrier';
import { createSFCarrier } from './sf';
import { createYTOCarrier } from './yto';

export type CarrierRegistry = (code: CarrierCode, hooks?: SandboxHooks) => CarrierAdapter;

export function createCarrierRegistry(db: Db, sandbox: boolean): CarrierRegistry {
  const factories = { SF: createSFCarrier, YTO: createYTOCarrier, DHL: createDHLCarrier, FEDEX: createFEDEXCarrier };
  return (code, hooks) => factories[code](db, { sandbox, hooks });
}
