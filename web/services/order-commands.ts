import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Db } from '../../db/knex';
import { getOrder } from '../../db/orders';
import { getTask, taskWorkflowKey } from '../../db/tasks';
import { validateAddress } from '../../domain/order-validation';
import { cancelOrderUpdate, decideTaskUpdate, TaskDecision } from '../../workflows/order/messages';
import { canDecide, GateUser } from './certification-gate';
import { TemporalGateway, workflowIdFor } from './order-intake';

export type CommandResult<T> =
  | { kind: 'ok'; body: T }
  | { kind: 'not_found' | 'invalid' | 'conflict' | 'forbidden'; error: string; message: string; extra?: Record<string, unknown> };

function failureMessage(err: unknown): string {
  const e = err as { cause?: { message?: string }; message?: string };
  return e.cause?.message ?? e.message ?? String(err);
}

const isClosed = (err: unknown) => err instanceof WorkflowNotFoundError || /workflow execution already completed|not found/i.test(String((err as Error)?.message));

/**
 * A person's decision on a task, sent to the order's workflow as the `decideTask` update: the
 * workflow's validator refuses a stale or invalid decision before anything changes, and the
 * database's compare-and-set lets exactly one of two simultaneous deciders win.
 *
 * `user` (optional): the signed-in person deciding (the supervisor console passes it). A person
 * needs a valid certificate for the module the task kind names (P4.3 certification gate,
 * web/services/certification-gate.ts), else 'forbidden' / `not_certified`. API-key callers pass
 * no user and are not gated.
 */
export async function decideTask(
  db: Db,
  temporal: TemporalGateway,
  taskId: number,
  input: { decision: string; note?: string; decidedBy: string; correction?: TaskDecision['correction']; user?: GateUser },
): Promise<CommandResult<{ taskId: number; orderNo: string; decision: string; decidedBy: string }>> {
  // A corrected address gets the same checks as an order's address, from the API and the console alike.
  if (input.correction?.shippingAddress !== undefined) {
    const issues = validateAddress(input.correction.shippingAddress, 'correction.shippingAddress');
    if (issues.length) return { kind: 'invalid', error: 'validation_failed', message: issues.map((i) => `${i.path} ${i.message}`).join('; '), extra: { details: issues } };
  }
  const task = await getTask(db, taskId);
  if (!task) return { kind: 'not_found', error: 'not_found', message: `no task ${taskId}` };
  if (task.status !== 'open') {
    return { kind: 'conflict', error: 'already_decided', message: `task ${taskId} is ${task.status}: ${task.decision ?? '—'} by ${task.decidedBy ?? '—'}`, extra: { decision: task.decision, decidedBy: task.decidedBy } };
  }
  if (!task.options.includes(input.decision)) {
    return { kind: 'invalid', error: 'invalid_decision', message: `"${input.decision}" is not an option of this ${task.kind} task`, extra: { options: task.options } };
  }
  if (input.user) {
    const gate = await canDecide(db, input.user, task.kind);
    if (!gate.allowed) {
      return { kind: 'forbidden', error: 'not_certified', message: `deciding a ${task.kind} task needs a valid certificate for training module ${gate.moduleId} (now: ${gate.status})`, extra: { moduleId: gate.moduleId, moduleUrl: gate.moduleUrl, trainingStatus: gate.status } };
    }
  }
  try {
    // A task waits in the workflow that opened it: the order's, or a shipment's tracking.
    const workflowId = task.workflowId ?? workflowIdFor(task.orderNo);
    const taskKey = await taskWorkflowKey(db, taskId);
    const r = await temporal.client.workflow.getHandle(workflowId).executeUpdate(decideTaskUpdate, { args: [{ taskId, taskKey, decision: input.decision, note: input.note, decidedBy: input.decidedBy, correction: input.correction }] });
    return { kind: 'ok', body: { taskId, orderNo: task.orderNo, decision: r.decision, decidedBy: r.decidedBy } };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError) && !isClosed(err)) throw err;
    const now = await getTask(db, taskId);
    if (now && now.status !== 'open') {
      return { kind: 'conflict', error: 'already_decided', message: `task ${taskId} was already decided: ${now.decision} by ${now.decidedBy}`, extra: { decision: now.decision, decidedBy: now.decidedBy } };
    }
    return { kind: 'conflict', error: 'decision_refused', message: failureMessage(err) };
  }
}

/** Cancellation before hand-over; the workflow compensates (void label, cancel booking, release stock, refund). */
export async function cancelOrder(
  db: Db,
  temporal: TemporalGateway,
  orderNo: string,
  input: { reason: string; requestedBy: string },
): Promise<CommandResult<{ orderNo: string; status: string }>> {
  const order = await getOrder(db, orderNo);
  if (!order) return { kind: 'not_found', error: 'not_found', message: `no order ${orderNo}` };
  const handedOver = ['shipped', 'delivered', 'returned'];
  if (handedOver.includes(order.status)) {
    return { kind: 'conflict', error: 'handed_over', message: `order ${orderNo} has been handed over to the carrier; open a return instead`, extra: { returns: `/api/orders/${orderNo}/returns` } };
  }
  if (order.status === 'cancelled') return { kind: 'conflict', error: 'already_cancelled', message: `order ${orderNo} is already cancelled` };
  try {
    const r = await temporal.client.workflow.getHandle(workflowIdFor(orderNo)).executeUpdate(cancelOrderUpdate, { args: [input] });
    return { kind: 'ok', body: { orderNo, status: r.status } };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError) && !isClosed(err)) throw err;
    const message = failureMessage(err);
    const after = await getOrder(db, orderNo);
    const error = after && handedOver.includes(after.status) || /handed over/.test(message) ? 'handed_over' : 'cancel_refused';
    return { kind: 'conflict', error, message, ...(error === 'handed_over' ? { extra: { returns: `/api/orders/${orderNo}/returns` } } : {}) };
  }
}
