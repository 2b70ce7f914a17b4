import type { Db } from '../../db/knex';
import type { CustomsDeclaration } from '../../domain/customs';

/**
 * P2.10: the customs review of a declaration (through the carrier's or a broker's customs API).
 * A live broker implements this interface beside the sandbox.
 */
export interface CustomsBroker {
  review(req: { orderNo: string; shipmentId: string; attempt: number; declaration: CustomsDeclaration; sandbox?: { customs?: 'reject' } }): Promise<{ accepted: boolean; reason?: string }>;
}

/** Sandbox: `customs: "reject"` rejects the first declaration of an order, accepts a resubmission. */
export function createSandboxCustomsBroker(_db: Db): CustomsBroker {
  return {
    async review(req) {
      if (req.sandbox?.customs === 'reject' && req.attempt === 1) {
        return { accepted: false, reason: 'sandbox customs: declared value looks low for the contents (review rejected)' };
      }
      return { accepted: true };
    },
  };
}
