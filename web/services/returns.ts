import crypto from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../db/knex';
import { getOrder } from '../../db/orders';
import { createReturn, getReturn, returnableUnits } from '../../db/returns';
import type { ValidationIssue } from '../../domain/types';
import { returnReceivedSignal } from '../../workflows/order/messages';
import type { OrderReturnInput } from '../../workflows/returns/order-return.workflow';
import type { TemporalGateway } from './order-intake';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export type ReturnResult =
  | { kind: 'created' | 'existing'; body: { rmaNo: string; orderNo: string; status: string; workflowId: string } }
  | { kind: 'invalid'; issues: ValidationIssue[] }
  | { kind: 'not_found' | 'conflict'; error: string; message: string };

export const returnWorkflowId = (rmaNo: string) => `return-${rmaNo}`;

function parseLines(raw: unknown, issues: ValidationIssue[], withCondition: boolean): Array<{ sku: string; quantity: number; condition?: 'resellable' | 'damaged' }> {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 100) {
    issues.push({ path: 'lines', message: 'must be a non-empty array of at most 100 lines' });
    return [];
  }
  const out: Array<{ sku: string; quantity: number; condition?: 'resellable' | 'damaged' }> = [];
  raw.forEach((l, i) => {
    const p = `lines[${i}]`;
    if (!isObj(l)) return issues.push({ path: p, message: 'must be an object' });
    for (const k of Object.keys(l)) if (!['sku', 'quantity', ...(withCondition ? ['condition'] : [])].includes(k)) issues.push({ path: `${p}.${k}`, message: 'is not a known field' });
    if (typeof l.sku !== 'string' || !l.sku.trim() || l.sku.length > 64 || CONTROL.test(l.sku)) issues.push({ path: `${p}.sku`, message: 'must be a SKU' });
    if (typeof l.quantity !== 'number' || !Number.isInteger(l.quantity) || l.quantity <= 0 || l.quantity > 10_000) issues.push({ path: `${p}.quantity`, message: 'must be a positive whole number' });
    if (withCondition && l.condition !== 'resellable' && l.condition !== 'damaged') issues.push({ path: `${p}.condition`, message: 'must be "resellable" or "damaged"' });
    if (out.some((o) => o.sku === l.sku)) issues.push({ path: `${p}.sku`, message: 'appears twice' });
    out.push({ sku: String(l.sku), quantity: Number(l.quantity), ...(withCondition ? { condition: l.condition as 'resellable' | 'damaged' } : {}) });
  });
  return out;
}

/**
 * P3.4 POST /api/orders/:orderNo/returns: opens a return (RMA) for units that were shipped and are
 * not already being returned, and starts its workflow (label, receipt, inspection, refund). The same
 * request again answers with the same return.
 */
export async function openReturn(db: Db, temporal: TemporalGateway, orderNo: string, body: unknown): Promise<ReturnResult> {
  const issues: ValidationIssue[] = [];
  if (!isObj(body)) return { kind: 'invalid', issues: [{ path: '', message: 'body must be a JSON object' }] };
  for (const k of Object.keys(body)) if (!['lines', 'reason'].includes(k)) issues.push({ path: k, message: 'is not a known field' });
  const lines = parseLines(body.lines, issues, false);
  const reason = body.reason;
  if (typeof reason !== 'string' || !reason.trim() || reason.length > 500 || CONTROL.test(reason)) issues.push({ path: 'reason', message: 'is required (at most 500 characters)' });
  if (issues.length) return { kind: 'invalid', issues };

  const order = await getOrder(db, orderNo);
  if (!order) return { kind: 'not_found', error: 'not_found', message: `no order ${orderNo}` };
  if (!['shipped', 'delivered', 'partially_shipped', 'returned'].includes(order.status)) {
    return { kind: 'conflict', error: 'not_shipped', message: `order ${orderNo} is ${order.status}: nothing has been handed over yet; cancel it instead` };
  }
  const hash = crypto.createHash('sha256').update(JSON.stringify({ lines: [...lines].sort((a, b) => (a.sku < b.sku ? -1 : 1)), reason })).digest('hex');
  const same = await db('returns').where({ order_no: orderNo, request_hash: hash }).first();
  if (same) return { kind: 'existing', body: { rmaNo: same.rma_no, orderNo, status: same.status, workflowId: returnWorkflowId(same.rma_no) } };

  const units = await returnableUnits(db, orderNo);
  lines.forEach((l, i) => {
    const u = units.get(l.sku);
    if (!u) issues.push({ path: `lines[${i}].sku`, message: `${l.sku} was not shipped on this order` });
    else if (l.quantity > u.quantity) issues.push({ path: `lines[${i}].quantity`, message: `at most ${Math.max(0, u.quantity)} of ${l.sku} can be returned` });
  });
  if (issues.length) return { kind: 'invalid', issues };

  const [{ n }] = await db('returns').where({ order_no: orderNo }).count({ n: '*' });
  const rmaNo = `RMA-${orderNo}-${Number(n) + 1}`;
  await createReturn(db, { rmaNo, orderNo, source: 'customer', reason: reason as string, requestHash: hash, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: units.get(l.sku)!.unitPrice })) });
  try {
    await temporal.client.workflow.start('orderReturn', {
      taskQueue: temporal.taskQueue,
      workflowId: returnWorkflowId(rmaNo),
      args: [{ rmaNo, orderNo, source: 'customer', policy: temporal.policy } satisfies OrderReturnInput],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { kind: 'created', body: { rmaNo, orderNo, status: 'requested', workflowId: returnWorkflowId(rmaNo) } };
}

/** P3.4 the warehouse received a return's goods: each line graded resellable or damaged. */
export async function receiveReturn(db: Db, temporal: TemporalGateway, rmaNo: string, body: unknown, receivedBy: string): Promise<ReturnResult> {
  const issues: ValidationIssue[] = [];
  if (!isObj(body)) return { kind: 'invalid', issues: [{ path: '', message: 'body must be a JSON object' }] };
  for (const k of Object.keys(body)) if (!['lines', 'receivedBy'].includes(k)) issues.push({ path: k, message: 'is not a known field' });
  const lines = parseLines(body.lines, issues, true);
  if (issues.length) return { kind: 'invalid', issues };
  const ret = await getReturn(db, rmaNo);
  if (!ret) return { kind: 'not_found', error: 'not_found', message: `no return ${rmaNo}` };
  if (ret.receivedAt || ['refunded', 'expired', 'closed'].includes(ret.status)) return { kind: 'conflict', error: 'already_received', message: `return ${rmaNo} is ${ret.status}` };
  lines.forEach((l, i) => {
    const expected = ret.lines.find((x) => x.sku === l.sku);
    if (!expected) issues.push({ path: `lines[${i}].sku`, message: `${l.sku} is not on return ${rmaNo}` });
    else if (l.quantity !== expected.quantity) issues.push({ path: `lines[${i}].quantity`, message: `return ${rmaNo} expects ${expected.quantity} of ${l.sku}` });
  });
  if (issues.length) return { kind: 'invalid', issues };
  const by = typeof body.receivedBy === 'string' && body.receivedBy.trim() && body.receivedBy.length <= 100 ? body.receivedBy : receivedBy;
  const receipt = { lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, condition: l.condition! })), receivedBy: by };
  // A return opened by a parcel coming back starts its workflow a moment after its row appears.
  for (let attempt = 0; ; attempt++) {
    try {
      await temporal.client.workflow.getHandle(returnWorkflowId(rmaNo)).signal(returnReceivedSignal, receipt);
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (ret.status !== 'requested' || attempt >= 20) return { kind: 'conflict', error: 'return_not_waiting', message: `return ${rmaNo} is not waiting for goods (${ret.status}); try again in a moment` };
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return { kind: 'existing', body: { rmaNo, orderNo: ret.orderNo, status: 'receiving', workflowId: returnWorkflowId(rmaNo) } };
}
