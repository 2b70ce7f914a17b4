/**
 * The ledger at the end of a test file: `await expectLedgerHolds(h)` in afterAll, before h.close().
 * Runs every invariant of db/ledger.ts on the harness database (stock, money against the
 * provider's ledger, waybills against the carriers', messages) and whether each order's workflow
 * agrees with its status (scripts/ledger.ts). Orders whose workflows are still closing (compensation
 * finishing, a refund on its way) get a few seconds, as the chaos run gives them; then every breach
 * left is thrown in one Error.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/knex';
import { BookingFacts, breachesOf, checkLedger, formatInvariants, Invariant, LedgerScope } from '../../db/ledger';
import { checkWorkflowsAgree } from '../../scripts/ledger';

export interface LedgerOptions extends LedgerScope {
  /** How long breaches may take to clear (workflows still closing). Default 10 s. */
  waitMs?: number;
  /** Also check that each order's workflow agrees with the database (default true). */
  workflows?: boolean;
  /** Live carriers' own bookings (the stand-ins' order books), read at each check. */
  carrierBookings?: () => Promise<BookingFacts[]> | BookingFacts[];
}

export async function ledgerInvariants(h: { db: Db; client: Client }, opts: LedgerOptions = {}): Promise<Invariant[]> {
  const scope: LedgerScope = { ...(opts.orderNos ? { orderNos: opts.orderNos } : {}), ...(opts.skus ? { skus: opts.skus } : {}), ...(opts.providerPayments ? { providerPayments: opts.providerPayments } : {}) };
  const invariants = await checkLedger(h.db, scope, opts.carrierBookings ? await opts.carrierBookings() : []);
  // Orders written without a workflow, probes under an order's id and workflows a test terminated
  // are fixtures: skipped. A workflow that FAILED, or ended while the database says otherwise, is not.
  if (opts.workflows !== false) invariants.push(await checkWorkflowsAgree(h.db, h.client, { orderNos: opts.orderNos, closingMs: 0, skip: ['NOT_FOUND', 'OTHER_TYPE', 'TERMINATED'] }));
  return invariants;
}

export async function expectLedgerHolds(h: { db: Db; client: Client }, opts: LedgerOptions = {}): Promise<void> {
  const until = Date.now() + (opts.waitMs ?? 10_000);
  for (;;) {
    const invariants = await ledgerInvariants(h, opts);
    const breaches = breachesOf(invariants);
    if (!breaches.length) return;
    if (Date.now() >= until) {
      const failing = invariants.filter((i) => i.applicable && !i.ok);
      throw new Error(`the ledger does not hold (${breaches.length} breach(es)):\n${formatInvariants(failing).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
