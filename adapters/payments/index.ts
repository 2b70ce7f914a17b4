import type { Db } from '../../db/knex';
import type { PaymentProvider } from './payment-provider';
import { AlipaySettings, liveProviderProblems, ProviderSettingsError } from '../../config/providers';
import { createAlipayPaymentProvider } from './alipay';
import { createSandboxPaymentProvider } from './sandbox-payments';

export * from './payment-provider';
export { createSandboxPaymentProvider, isSandboxPaymentProvider, SANDBOX_TOKENS } from './sandbox-payments';
export type { SandboxPaymentProvider } from './sandbox-payments';
export { createAlipayPaymentProvider, isAlipayPaymentProvider } from './alipay';
export type { AlipayPaymentProvider } from './alipay';

/**
 * The payment provider the worker uses: Alipay when its settings are given (BOXFLOW_SANDBOX=0 with
 * BOXFLOW_ALIPAY_* set, see config/providers.ts; tests give them to run against the stand-in), else
 * the sandbox in sandbox mode. Outside sandbox mode without Alipay this throws at once, so that a
 * worker never starts taking orders it cannot charge.
 */
export function createPaymentProvider(db: Db, opts: { sandbox: boolean; alipay?: AlipaySettings }): PaymentProvider {
  if (opts.alipay) return createAlipayPaymentProvider(opts.alipay);
  if (!opts.sandbox) {
    throw new ProviderSettingsError(liveProviderProblems({ problems: [] }, ['alipay']));
  }
  return createSandboxPaymentProvider(db);
}
