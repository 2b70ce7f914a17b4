import type { Db } from '../../db/knex';
import type { PaymentProvider } from './payment-provider';
import { createSandboxPaymentProvider } from './sandbox-payments';

export * from './payment-provider';
export { createSandboxPaymentProvider, isSandboxPaymentProvider, SANDBOX_TOKENS } from './sandbox-payments';
export type { SandboxPaymentProvider } from './sandbox-payments';

/**
 * The payment provider the worker uses. Only the sandbox exists so far: outside sandbox mode this
 * throws at once, so that a worker never starts taking orders it cannot charge.
 */
export function createPaymentProvider(db: Db, opts: { sandbox: boolean }): PaymentProvider {
  if (!opts.sandbox) {
    throw new Error('payments: no live payment provider is configured; run with BOXFLOW_SANDBOX=1 (sandbox tokens tok_paid, tok_declined, tok_pending)');
  }
  return createSandboxPaymentProvider(db);
}
