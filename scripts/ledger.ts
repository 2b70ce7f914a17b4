/**
 * `npm run ledger`: every invariant of the app database (db/ledger.ts: stock, money, waybills,
 * messages), and with a Temporal address also whether each order's workflow agrees with its status
 * in the database. Prints each invariant with its counts; exit code 1 on a breach.
 *
 *   DATABASE_URL=… [TEMPORAL_ADDRESS=host:port] npm run ledger [-- --order <orderNo> …]
 *
 * Reads only. The chaos run (scripts/chaos.ts) and every integration test file
 * (test/support/ledger.ts) run the same checks.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { loadSettings } from '../config/settings';
import { createDb, Db } from '../db/knex';
import { breachesOf, checkLedger, formatInvariants, Invariant } from '../db/ledger';
import { dataConverterFor } from '../worker/encryption-codec';
import { temporalConnectionOptions } from '../worker/temporal-connection';

/** `shipped` ends fulfilment (P2.2); after it the workflow may still follow its parcels (tracking). */
const TERMINAL = ['shipped', 'delivered', 'returned', 'cancelled', 'failed'];

/**
 * The database and Temporal agree: an order in an end state (but `shipped`) has a completed
 * workflow, a `failed` order one that failed after compensating (OrderFailed), an order still under
 * way a running one; any other failed, terminated or timed-out workflow is a breach whatever the
 * database says (nothing compensated until the settlement sweep runs). A workflow that writes its final status closes a moment later (handlers finish,
 * the SLA watch ends): such a workflow gets `closingMs` before it counts as disagreeing.
 */
export interface WorkflowAgreementOptions {
  orderNos?: string[];
  closingMs?: number;
  concurrency?: number;
  /**
   * Test fixtures, not orders: rows written without a workflow (NOT_FOUND), other workflows under the
   * order's id (OTHER_TYPE), workflows a test terminated on purpose (TERMINATED; termination runs no
   * workflow code, so nothing can agree; the stock and money invariants judge what it left). Counted
   * as skipped. An operator's run (npm run ledger) skips nothing.
   */
  skip?: Array<'NOT_FOUND' | 'OTHER_TYPE' | 'TERMINATED'>;
}

/** The order workflow's type name (workflows/order/order.workflow.ts). */
const ORDER_WORKFLOW_TYPE = 'orderFulfillment';

export async function checkWorkflowsAgree(db: Db, client: Client, opts: WorkflowAgreementOptions = {}): Promise<Invariant> {
  const q = db('orders').select('order_no', 'workflow_id', 'status');
  const rows: Array<{ order_no: string; workflow_id: string; status: string }> = await (opts.orderNos ? q.whereIn('order_no', opts.orderNos) : q);
  const breaches: string[] = [];
  const seen: Record<string, number> = {};
  let next = 0;
  const skip = new Set(opts.skip ?? []);
  let skipped = 0;
  const describe = async (workflowId: string) => {
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      return d.type === ORDER_WORKFLOW_TYPE ? (d.status.name as string) : 'OTHER_TYPE';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return 'NOT_FOUND';
    }
  };
  await Promise.all(
    Array.from({ length: opts.concurrency ?? 16 }, async () => {
      while (next < rows.length) {
        const r = rows[next++];
        let wf = await describe(r.workflow_id);
        const closing = TERMINAL.includes(r.status) && r.status !== 'shipped';
        for (const until = Date.now() + (opts.closingMs ?? 10_000); closing && wf === 'RUNNING' && Date.now() < until; ) {
          await new Promise((res) => setTimeout(res, 200));
          wf = await describe(r.workflow_id);
        }
        seen[wf] = (seen[wf] ?? 0) + 1;
        if (skip.has(wf as 'NOT_FOUND')) {
          skipped++;
          continue;
        }
        // A failed order's workflow fails visibly after compensating (OrderFailed); orders from before that completed.
        const agrees = r.status === 'shipped' ? wf === 'COMPLETED' || wf === 'RUNNING' : r.status === 'failed' ? wf === 'FAILED' || wf === 'COMPLETED' : closing ? wf === 'COMPLETED' : wf === 'RUNNING';
        if (!agrees) breaches.push(`${r.order_no}: database ${r.status}, workflow ${wf}`);
      }
    }),
  );
  return {
    name: 'database status agrees with the workflow',
    ok: breaches.length === 0,
    applicable: rows.length > 0,
    counts: { checked: rows.length, ...Object.fromEntries(Object.entries(seen).map(([k, v]) => [k.toLowerCase(), v])), skipped, disagreeing: breaches.length },
    breaches: breaches.slice(0, 20),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const orderNos = args.flatMap((a, i) => (args[i - 1] === '--order' ? [a] : []));
  const settings = loadSettings();
  const db = createDb(settings);
  const scope = orderNos.length ? { orderNos } : {};
  const invariants = await checkLedger(db, scope);
  if (settings.temporal.address) {
    const connection = await Connection.connect(temporalConnectionOptions(settings.temporal, settings.temporal.address));
    invariants.push(await checkWorkflowsAgree(db, new Client({ connection, namespace: settings.temporal.namespace, dataConverter: dataConverterFor(settings.codecKeys) }), scope));
    await connection.close();
  } else invariants.push({ name: 'database status agrees with the workflow', ok: true, applicable: false, counts: { note: 'set TEMPORAL_ADDRESS to check' }, breaches: [] });
  await db.destroy();
  for (const line of formatInvariants(invariants)) console.log(line);
  const breaches = breachesOf(invariants);
  console.log(breaches.length ? `\n${breaches.length} BREACH(ES)` : '\nthe ledger holds');
  process.exit(breaches.length ? 1 : 0);
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[ledger] failed:', err);
    process.exit(2);
  });
}
