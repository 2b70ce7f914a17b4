import { condition, patched } from '@temporalio/workflow';
import { safetyNetMs } from '../../domain/policy';
import { backOrderOverdueInMs, splitShortagesByPolicy } from '../../domain/stockout';
import type { Shortage } from '../../activities/inventory.activities';
import { db, payment, tellCustomer } from './activities';
import { OrderCancellation, OrderContext } from './context';
import type { TaskDesk } from './task-desk';

/** Lines that must arrive before anything ships, and lines that ship later in their own parcel. */
export interface BackOrderPlan {
  waitForAllBeforeShipping: number[];
  shipLater: number[];
}

/** Orders that reach a stockout from this version on read each SKU's stockout policy first. */
export const STOCKOUT_POLICY_PATCH = 'stockout-policy-per-sku';

/** Timeline event of a `limited` sell-out (db/catalog.ts SOLD_OUT_EVENT reads it for the supervisor's summary). */
const SOLD_OUT_EVENT = 'sold_out_refunded';

/**
 * P1.10 stockout, by each short SKU's policy (catalog `stockout_policy`, read by an activity here):
 * - `limited`: the short lines are cancelled and refunded at once and the customer is told; no task.
 *   An order left with nothing to ship (and nothing waiting) is cancelled (the compensation refunds the rest).
 * - `restockable`: the lines are back-ordered (first come, first served) and the order waits; no task.
 * - `ask`: a supervisor decides in a stockout task, as before.
 * Orders that reached this point before the patch replay the old path (every shortage asks).
 */
export async function handleShortages(ctx: OrderContext, desk: TaskDesk, shortages: Shortage[]): Promise<BackOrderPlan> {
  if (!shortages.length) return { waitForAllBeforeShipping: [], shipLater: [] };
  if (!patched(STOCKOUT_POLICY_PATCH)) return askAboutShortages(ctx, desk, shortages, false);

  const policies = await db.stockoutPolicies([...new Set(shortages.map((s) => s.sku))]);
  const { limited, restockable, ask } = splitShortagesByPolicy(shortages, policies);

  if (limited.length) {
    const lineIds = limited.map((s) => s.lineId);
    const skus = [...new Set(limited.map((s) => s.sku))].join(', ');
    const { amount } = await db.cancelLines({ orderNo: ctx.orderNo, lineIds });
    if (amount > 0) await payment.refundPayment({ orderNo: ctx.orderNo, amount, reason: `P1.10: sold out, limited edition (${skus})`, idempotencyKey: `refund:${ctx.orderNo}:sold-out:${lineIds.join('-')}` });
    await ctx.note(SOLD_OUT_EVENT, `P1.10: ${skus} sold out (limited, no restock): line(s) cancelled and ${amount.toFixed(2)} ${ctx.order.currency} refunded`, {
      amount,
      lines: limited.map((s) => ({ lineId: s.lineId, sku: s.sku, quantity: s.requested, available: s.available })),
    });
    await tellCustomer({ orderNo: ctx.orderNo, kind: 'sold_out', dedupeKey: `sold-out:${ctx.orderNo}:${lineIds.join('-')}`, amount, items: skus });
  }

  const plan: BackOrderPlan = { waitForAllBeforeShipping: [], shipLater: [] };
  if (restockable.length) {
    const lineIds = restockable.map((s) => s.lineId);
    await db.registerBackOrders({ orderNo: ctx.orderNo, lineIds });
    plan.waitForAllBeforeShipping.push(...lineIds);
  }
  if (ask.length) {
    const asked = await askAboutShortages(ctx, desk, ask, restockable.length > 0);
    plan.waitForAllBeforeShipping.push(...asked.waitForAllBeforeShipping);
    plan.shipLater.push(...asked.shipLater);
  } else if (limited.length && !restockable.length) {
    const reserved = await db.pickLines(ctx.orderNo);
    if (reserved.lineIds.length === 0) throw new OrderCancellation('P1.10: sold out (limited edition): nothing left to ship');
  }
  return plan;
}

/**
 * P1.10 `ask`: a supervisor chooses (or the default applies at the deadline) between waiting for
 * restock, shipping what is there now and back-ordering the rest, or cancelling the short lines.
 * `othersWaiting`: other lines of the order are already back-ordered (so cancelling these does not
 * leave the order empty).
 */
async function askAboutShortages(ctx: OrderContext, desk: TaskDesk, shortages: Shortage[], othersWaiting: boolean): Promise<BackOrderPlan> {
  const plan: BackOrderPlan = { waitForAllBeforeShipping: [], shipLater: [] };
  const what = shortages.map((s) => `${s.sku}: ${s.requested} wanted, ${s.available} available`).join('; ');
  await ctx.moveTo('on_hold', `P1.10: stockout (${what})`, { shortages });
  const decision = await desk.ask('stockout', { shortages }, `stock of ${shortages.map((s) => s.sku).join(', ')}`);

  if (decision === 'cancel_line') {
    const lineIds = shortages.map((s) => s.lineId);
    const { amount } = await db.cancelLines({ orderNo: ctx.orderNo, lineIds });
    if (amount > 0) await payment.refundPayment({ orderNo: ctx.orderNo, amount, reason: `P1.10: short lines cancelled (${what})`, idempotencyKey: `refund:${ctx.orderNo}:lines:${lineIds.join('-')}` });
    await ctx.note('lines_cancelled', `P1.10: cancelled and refunded ${amount.toFixed(2)} ${ctx.order.currency} for ${shortages.map((s) => s.sku).join(', ')}`);
    const reserved = await db.pickLines(ctx.orderNo);
    if (reserved.lineIds.length === 0 && !othersWaiting) throw new OrderCancellation('P1.10: every line was cancelled for lack of stock');
    return plan;
  }

  if (decision === 'ship_available_now') {
    // Keep what is available on the line, move the rest to a new line that waits for restock.
    for (const s of shortages) {
      if (s.available > 0 && s.available < s.requested) {
        await db.splitLine({ orderNo: ctx.orderNo, lineId: s.lineId, keepQuantity: s.available, key: ctx.nextKey(`split-${s.lineId}`) });
      }
    }
    const again = await db.reserveStock(ctx.orderNo);
    const stillShort = again.shortages.map((s) => s.lineId);
    const anythingToShip = (await db.pickLines(ctx.orderNo)).lineIds.length > 0;
    if (stillShort.length) {
      await db.registerBackOrders({ orderNo: ctx.orderNo, lineIds: stillShort });
      if (anythingToShip) plan.shipLater = stillShort;
      else plan.waitForAllBeforeShipping = stillShort; // nothing is available: same as waiting
    }
    return plan;
  }

  // wait_for_restock (the default): the whole order waits; restock serves back-orders first come, first served.
  const lineIds = shortages.map((s) => s.lineId);
  await db.registerBackOrders({ orderNo: ctx.orderNo, lineIds });
  plan.waitForAllBeforeShipping = lineIds;
  return plan;
}

/** How often a back-ordered order looks in the database itself (business time, scaled). */
const RESTOCK_LOOK_EVERY_MS = 60 * 60 * 1000;

/**
 * Waits until a restock has reserved every one of these back-ordered lines (signal from the API).
 * Blind-box restocks take weeks: the wait is the backOrderFilled signal plus an hourly look at the
 * database (a signal lost between the restock's commit and its send), and at each look the order may
 * continue as new (`checkpoint`) so that no run's history grows past its budget.
 */
export async function waitForBackOrders(ctx: OrderContext, lineIds: number[], filled: Set<number>, checkpoint?: () => Promise<void>): Promise<void> {
  if (lineIds.every((id) => filled.has(id))) return;
  if (ctx.progress.status !== 'partially_shipped' && ctx.progress.status !== 'back_ordered') {
    await ctx.moveTo('back_ordered', `P1.10: back-ordered, waiting for restock (${lineIds.length} line(s))`, { lineIds });
  }
  ctx.progress.waitingFor = `restock of back-ordered line(s) ${lineIds.join(', ')}`;
  const lookEvery = safetyNetMs(ctx.policy, RESTOCK_LOOK_EVERY_MS);
  while (!(await condition(() => lineIds.every((id) => filled.has(id)), lookEvery))) {
    for (const id of await db.filledBackOrderLines(ctx.orderNo)) filled.add(id);
    if (!lineIds.every((id) => filled.has(id))) await checkpoint?.();
  }
  ctx.progress.waitingFor = null;
  await ctx.note('back_order_filled', `P1.10: restock arrived for line(s) ${lineIds.join(', ')}`);
}

/** Orders whose restock wait runs past policy.backOrderTaskAfterMs open a back_order_overdue task (issue 15). */
export const BACK_ORDER_OVERDUE_PATCH = 'back-order-overdue-task';

/**
 * Issue 15: waitForBackOrders for an order's first restock wait (before anything shipped), with a
 * time limit. Once the order has waited `afterMs` since `since` (carried across continue-as-new
 * through `checkpoint(since)`), ONE back_order_overdue task asks a supervisor:
 * - keep_waiting (also the default at the task's deadline): the clock starts again from the
 *   decision, and the question comes back after another `afterMs`;
 * - cancel_waiting_lines: the lines still waiting are cancelled and refunded; the rest ships, or the
 *   order is cancelled when nothing is left to ship (as askAboutShortages' cancel_line);
 * - cancel_order: the order is cancelled (the compensation refunds it).
 * A restock that arrives while the task is open withdraws it (status cancelled) and the order ships;
 * only a cancel_order decided before the restock was seen still stands.
 *
 * History: while the task is open the run cannot continue as new (the TaskDesk's open task is not
 * carried), and the hourly looks go on (they are how a lost restock signal is noticed, and a restock
 * must close the task). One look costs about 8–9 events, so a task left open for weeks would grow the
 * run by ~200 events a day past its budget (2,000 by default) and, over months, towards Temporal's
 * 10,240-event warning. The task's own deadline (back_order_overdue, 48 h of business time, default
 * keep_waiting) bounds that: at most 48 looks (measured ~400 events, test/time-skipping/
 * back-order-overdue.test.ts) beyond the budget; then the clock restarts, the run continues as new
 * at its next look, and the task can come back only after another `afterMs`.
 */
export async function waitForBackOrdersOrAsk(
  ctx: OrderContext,
  desk: TaskDesk,
  lineIds: number[],
  filled: Set<number>,
  since: number,
  afterMs: number,
  checkpoint: (since: number) => Promise<void>,
): Promise<void> {
  const allFilled = () => lineIds.every((id) => filled.has(id));
  if (allFilled()) return;
  if (ctx.progress.status !== 'partially_shipped' && ctx.progress.status !== 'back_ordered') {
    await ctx.moveTo('back_ordered', `P1.10: back-ordered, waiting for restock (${lineIds.length} line(s))`, { lineIds });
  }
  ctx.progress.waitingFor = `restock of back-ordered line(s) ${lineIds.join(', ')}`;
  const lookEvery = safetyNetMs(ctx.policy, RESTOCK_LOOK_EVERY_MS);
  let asking: Promise<void> | undefined;
  let opened = false;
  let decision: string | undefined;
  for (;;) {
    const overdueIn = backOrderOverdueInMs(since, afterMs, Date.now());
    if (!asking && overdueIn <= 0) {
      const waiting = lineIds.filter((id) => !filled.has(id));
      asking = desk
        .ask('back_order_overdue', { lineIds: waiting, waitingSince: new Date(since).toISOString(), waitedDays: Math.round(((Date.now() - since) / ctx.policy.timeScale / 86_400_000) * 10) / 10 }, `restock of line(s) ${waiting.join(', ')}, overdue`, undefined, () => (opened = true))
        .then((d) => {
          decision = d;
        });
      asking.catch(() => undefined); // cancelled with the order before anyone decided: handled where awaited
    }
    const wakeIn = asking ? lookEvery : Math.max(1, Math.min(lookEvery, overdueIn));
    const woke = await condition(() => allFilled() || decision !== undefined, wakeIn);
    if (!woke) for (const id of await db.filledBackOrderLines(ctx.orderNo)) filled.add(id);
    if (allFilled()) break;
    if (decision !== undefined) {
      await asking;
      const d = decision;
      asking = undefined;
      opened = false;
      decision = undefined;
      if (d === 'cancel_order') throw new OrderCancellation('P1.10: the restock wait ran over; cancelled by decision');
      if (d === 'cancel_waiting_lines') return cancelWaitingLines(ctx, lineIds, filled);
      since = Date.now(); // keep_waiting: the clock starts again
      continue;
    }
    if (!woke && !asking) await checkpoint(since);
  }
  if (asking) {
    // A restock that came while the task was being opened: withdraw it once it is open (not at its deadline).
    await condition(() => opened || decision !== undefined);
    await desk.withdrawOpen('back_order_overdue', 'the restock arrived');
    await asking;
    if (decision === 'cancel_order') throw new OrderCancellation('P1.10: the restock wait ran over; cancelled by decision');
  }
  ctx.progress.waitingFor = null;
  await ctx.note('back_order_filled', `P1.10: restock arrived for line(s) ${lineIds.join(', ')}`);
}

/** back_order_overdue → cancel_waiting_lines: cancel and refund the lines not yet filled; nothing left to ship cancels the order. */
async function cancelWaitingLines(ctx: OrderContext, lineIds: number[], filled: Set<number>): Promise<void> {
  for (const id of await db.filledBackOrderLines(ctx.orderNo)) filled.add(id);
  const waiting = lineIds.filter((id) => !filled.has(id));
  ctx.progress.waitingFor = null;
  if (!waiting.length) {
    await ctx.note('back_order_filled', `P1.10: restock arrived for line(s) ${lineIds.join(', ')}`);
    return;
  }
  const { amount, releasedSkus } = await db.cancelLines({ orderNo: ctx.orderNo, lineIds: waiting });
  // A restock that filled a line between the look above and the cancel put units on it: they go to
  // the next order waiting, not just back on the shelf. (Histories recorded before cancelLines said
  // which SKUs it released have no such field, so they replay without this step.)
  if (releasedSkus?.length) await db.allocateBackOrders(releasedSkus);
  if (amount > 0) await payment.refundPayment({ orderNo: ctx.orderNo, amount, reason: `P1.10: restock overdue, waiting line(s) cancelled`, idempotencyKey: `refund:${ctx.orderNo}:overdue:${waiting.join('-')}` });
  await ctx.note('lines_cancelled', `P1.10: restock overdue: cancelled and refunded ${amount.toFixed(2)} ${ctx.order.currency} for line(s) ${waiting.join(', ')}`, { lineIds: waiting, amount });
  if (amount > 0) await tellCustomer({ orderNo: ctx.orderNo, kind: 'refunded', dedupeKey: `refunded:overdue:${ctx.orderNo}:${waiting.join('-')}`, amount });
  const reserved = await db.pickLines(ctx.orderNo);
  if (reserved.lineIds.length === 0) throw new OrderCancellation('P1.10: the restock wait ran over and the waiting lines were cancelled: nothing left to ship');
}
