import crypto from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { getCatalogItems } from '../../db/catalog';
import { dbTime } from '../../db/time';
import type { Db } from '../../db/knex';
import { DuplicateOrderError, getOrder, insertOrder, listOrdersByStatus, loadOrderInput, OrderRecord } from '../../db/orders';
import { validateAgainstCatalog, validateOrderShape } from '../../domain/order-validation';
import type { FulfillmentPolicy } from '../../domain/policy';
import type { OrderInput, ValidationIssue } from '../../domain/types';
import type { OrderWorkflowInput } from '../../workflows/order/order.workflow';

/** How the web app reaches order workflows, and the policy new orders start under. */
export interface TemporalGateway {
  client: Client;
  taskQueue: string;
  policy: FulfillmentPolicy;
}

export type IntakeResult =
  | { kind: 'created' | 'existing'; body: { orderNo: string; workflowId: string; status: string } }
  | { kind: 'invalid'; issues: ValidationIssue[] }
  | { kind: 'conflict'; orderNo: string };

export const workflowIdFor = (orderNo: string) => `order-${orderNo}`;

/** Key order independent, so the same order sent twice with its fields in another order is the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(order: OrderInput): string {
  return crypto.createHash('sha256').update(canonicalJson(order)).digest('hex');
}

/**
 * Starts the order's workflow unless it runs or ran already: safe to call any number of times.
 * Returns whether this call started it.
 */
export async function ensureWorkflowStarted(temporal: TemporalGateway, order: OrderInput): Promise<boolean> {
  try {
    await temporal.client.workflow.start('orderFulfillment', {
      taskQueue: temporal.taskQueue,
      workflowId: workflowIdFor(order.orderNo),
      args: [{ order, policy: temporal.policy } satisfies OrderWorkflowInput],
      // An order runs once, ever: a finished order's id is never reused.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * POST /api/orders: P1.1 validation, then the order is written and its workflow started. The same
 * orderNo with the same body answers with the same result (idempotent); with another body, conflict.
 */
export async function submitOrder(db: Db, temporal: TemporalGateway, body: unknown): Promise<IntakeResult> {
  const shape = validateOrderShape(body);
  if (!shape.order) return { kind: 'invalid', issues: shape.issues };
  const order = shape.order;
  const catalogIssues = validateAgainstCatalog(order, await getCatalogItems(db, order.lines.map((l) => l.sku)));
  if (catalogIssues.length) return { kind: 'invalid', issues: catalogIssues };

  const hash = requestHash(order);
  const answer = (kind: 'created' | 'existing', rec: Pick<OrderRecord, 'orderNo' | 'workflowId' | 'status'>): IntakeResult => ({
    kind,
    body: { orderNo: rec.orderNo, workflowId: rec.workflowId, status: rec.status },
  });

  const existing = await getOrder(db, order.orderNo);
  if (existing) {
    if (existing.requestHash !== hash) return { kind: 'conflict', orderNo: order.orderNo };
    await ensureWorkflowStarted(temporal, order); // a first attempt may have died between insert and start
    return answer('existing', existing);
  }
  const workflowId = workflowIdFor(order.orderNo);
  try {
    await insertOrder(db, order, { workflowId, requestHash: hash, now: dbTime() });
  } catch (err) {
    if (!(err instanceof DuplicateOrderError)) throw err;
    return submitOrder(db, temporal, body); // lost a race with the same orderNo: answer as for a repeat
  }
  await ensureWorkflowStarted(temporal, order);
  return answer('created', { orderNo: order.orderNo, workflowId, status: 'received' });
}

/**
 * An order written but whose workflow never started (the process died in between, or Temporal was
 * unreachable) is started here. Runs at web start-up and periodically: no accepted order is lost.
 */
export async function startMissingWorkflows(db: Db, temporal: TemporalGateway, olderThanMs = 5_000): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let started = 0;
  for (const rec of await listOrdersByStatus(db, ['received'])) {
    if (Date.parse(rec.createdAt) > cutoff) continue;
    const order = await loadOrderInput(db, rec.orderNo);
    if (order && (await ensureWorkflowStarted(temporal, order))) started++;
  }
  return started;
}
