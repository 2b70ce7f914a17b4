import { condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { retailSla } from '../../domain/sla';
import { db } from './activities';
import { OrderContext, SA } from './context';
import type { TaskDesk } from './task-desk';

/** When the order is handed over or ends, BoxflowAtRisk is set back to false (it used to stay true). */
const CLEAR_AT_RISK_PATCH = 'clear-at-risk';

/** How far the P2.8 watch has come; carried when the order continues as new. */
export interface SlaState {
  startedAtMs: number;
  atRiskNoted: boolean;
  breachRecorded: boolean;
  /** An SLA step is writing right now (a run does not continue as new in the middle of one). */
  busy: boolean;
}

/**
 * P2.8: at 75 % of the ship-by time an unshipped retail order is at risk (a search attribute, a
 * timeline note and an sla_at_risk task); past it, a breach is recorded. `resumed`: the watch
 * continues from `state` in a new run (the ship-by time was written by the first run).
 */
export async function watchRetailSla(ctx: OrderContext, desk: TaskDesk, state: SlaState, done: () => boolean, resumed = false): Promise<void> {
  const sla = retailSla(state.startedAtMs, ctx.policy.retailSlaMs, ctx.policy.atRiskFraction);
  const shipBy = new Date(sla.shipByMs).toISOString();
  // (No helper wraps these awaits: an extra promise layer would reorder this watch's commands against
  // the flow's within one workflow task, and recorded histories would no longer replay.)
  if (!resumed) {
    state.busy = true;
    await db.setShipBy({ orderNo: ctx.orderNo, shipBy });
    state.busy = false;
  }
  let decision: Promise<void> | undefined;
  if (!state.atRiskNoted) {
    if (await condition(done, Math.max(0, sla.atRiskAtMs - Date.now()))) return clearAtRisk(false);
    state.busy = true;
    upsertSearchAttributes([{ key: SA.atRisk, value: true }]);
    await db.markAtRisk(ctx.orderNo);
    await ctx.note('sla_at_risk', `P2.8: not shipped at ${Math.round(ctx.policy.atRiskFraction * 100)} % of the retail ship-by time (ship by ${shipBy})`);
    state.atRiskNoted = true;
    state.busy = false;
    decision = desk.ask('sla_at_risk', { shipBy }, 'the retail 24 h ship-by deadline is near', Math.max(0, sla.shipByMs - Date.now())).then((d) => {
      if (d === 'expedite') ctx.serviceLevel = 'express';
    });
    decision.catch(() => undefined); // cancelled with the order before anyone decided: handled, not a failure
  }
  if (!state.breachRecorded) {
    const shippedInTime = await condition(done, Math.max(0, sla.shipByMs - Date.now()));
    if (!shippedInTime) {
      state.busy = true;
      await db.recordSlaBreach({ orderNo: ctx.orderNo, detail: `P2.8: ship-by deadline ${shipBy} passed before hand-over` });
      state.breachRecorded = true;
      state.busy = false;
    }
  }
  // Shipped or cancelled: a warning nobody answered is moot now.
  await condition(done);
  await desk.withdrawOpen('sla_at_risk', 'the order no longer waits for shipping');
  await decision;
  await clearAtRisk(true);

  async function clearAtRisk(wasAtRisk: boolean) {
    if (wasAtRisk && patched(CLEAR_AT_RISK_PATCH)) upsertSearchAttributes([{ key: SA.atRisk, value: false }]);
  }
}
