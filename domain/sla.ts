/**
 * P2.8 零售订单 retail orders: ship within 24 hours of the order, with an at-risk warning before the deadline.
 *
 * Pure and deterministic (imported by workflow code): no Node APIs, no clock, no randomness.
 * The caller passes "now" (in a workflow: the workflow clock), never read here.
 *
 * Boundaries: at exactly atRiskAtMs the state is 'at_risk'; at exactly shipByMs it is 'breached'
 * (the deadline timer fires at shipByMs, and an order not shipped by then has missed it).
 */
import type { OrderType } from './types';

export const HOUR_MS = 60 * 60 * 1000;

/** P2.8: retail orders ship within 24 hours of the order. */
export const DEFAULT_RETAIL_SLA_MS = 24 * HOUR_MS;

/** Warn when this fraction of the SLA has passed: 0.75 × 24 h = after 18 h, 6 h left. */
export const DEFAULT_AT_RISK_FRACTION = 0.75;

export type SlaState = 'on_track' | 'at_risk' | 'breached';

export interface ShipSla {
  /** Ship-by deadline (epoch ms). */
  shipByMs: number;
  /** When to raise the at-risk warning (epoch ms), between order time and shipByMs. */
  atRiskAtMs: number;
}

export interface SlaConfig {
  /** Group-buy orders ship on the campaign's schedule (P2.9), so no 24 h SLA unless this is true. */
  groupBuySla?: boolean;
}

/** P2.8: does the ship SLA apply to this order type? Retail always; group-buy only when configured. */
export function slaAppliesTo(orderType: OrderType, config: SlaConfig = {}): boolean {
  if (orderType === 'retail') return true;
  if (orderType === 'group_buy') return config.groupBuySla === true;
  return false;
}

/**
 * P2.8: deadline and warning time for an order placed at `orderedAtMs`.
 * atRiskFraction is clamped to [0, 1]; atRiskAtMs is rounded to a whole millisecond (for timers).
 */
export function retailSla(
  orderedAtMs: number,
  slaMs: number = DEFAULT_RETAIL_SLA_MS,
  atRiskFraction: number = DEFAULT_AT_RISK_FRACTION,
): ShipSla {
  if (!Number.isFinite(orderedAtMs) || !Number.isFinite(slaMs) || slaMs < 0 || !Number.isFinite(atRiskFraction)) {
    throw new RangeError('P2.8: orderedAtMs, slaMs (>= 0) and atRiskFraction must be finite numbers');
  }
  const f = Math.min(1, Math.max(0, atRiskFraction));
  return { shipByMs: orderedAtMs + slaMs, atRiskAtMs: orderedAtMs + Math.round(slaMs * f) };
}

/** P2.8: where an unshipped order stands at `nowMs`. */
export function slaState(nowMs: number, sla: ShipSla): SlaState {
  if (nowMs >= sla.shipByMs) return 'breached';
  if (nowMs >= sla.atRiskAtMs) return 'at_risk';
  return 'on_track';
}

function duration(ms: number): string {
  const totalMinutes = Math.floor(Math.abs(ms) / 60000);
  const h = Math.floor(totalMinutes / 60);
  const m = totalMinutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

/** P2.8: state plus time left (negative once breached) and a sentence for the timeline / task. */
export function describeSla(nowMs: number, sla: ShipSla): { state: SlaState; remainingMs: number; reason: string } {
  const state = slaState(nowMs, sla);
  const remainingMs = sla.shipByMs - nowMs;
  const reason =
    state === 'breached'
      ? `P2.8: ship-by deadline passed ${duration(remainingMs)} ago → breached, escalate to a supervisor`
      : state === 'at_risk'
        ? `P2.8: ${duration(remainingMs)} left before the ship-by deadline → at risk`
        : `P2.8: ${duration(remainingMs)} left before the ship-by deadline → on track`;
  return { state, remainingMs, reason };
}
