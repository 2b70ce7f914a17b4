import { DEFAULT_AT_RISK_FRACTION, DEFAULT_RETAIL_SLA_MS } from './sla';
import { TASK_KINDS } from './tasks';
import type { TaskKind } from './types';

/**
 * The business durations and defaults one order runs under, fixed when the order starts (so that a
 * settings change never alters an order in flight, and replay stays deterministic). Every duration
 * here is already multiplied by BOXFLOW_TIME_SCALE.
 */
export interface FulfillmentPolicy {
  timeScale: number;
  paymentDeadlineMs: number;
  retailSlaMs: number;
  atRiskFraction: number;
  taskDeadlineMs: Record<TaskKind, number>;
  taskDefaults: Partial<Record<TaskKind, string>>;
}

export const DEFAULT_PAYMENT_DEADLINE_MS = 30 * 60 * 1000;

export function buildPolicy(opts: { timeScale: number; stockoutDefault?: string }): FulfillmentPolicy {
  const s = opts.timeScale;
  const taskDeadlineMs = {} as Record<TaskKind, number>;
  for (const [kind, spec] of Object.entries(TASK_KINDS)) taskDeadlineMs[kind as TaskKind] = Math.round(spec.deadlineMs * s);
  const taskDefaults: Partial<Record<TaskKind, string>> = {};
  if (opts.stockoutDefault) {
    if (!TASK_KINDS.stockout.options.includes(opts.stockoutDefault)) {
      throw new Error(`stockout default must be one of ${TASK_KINDS.stockout.options.join(', ')}`);
    }
    taskDefaults.stockout = opts.stockoutDefault;
  }
  return {
    timeScale: s,
    paymentDeadlineMs: Math.round(DEFAULT_PAYMENT_DEADLINE_MS * s),
    retailSlaMs: Math.round(DEFAULT_RETAIL_SLA_MS * s),
    atRiskFraction: DEFAULT_AT_RISK_FRACTION,
    taskDeadlineMs,
    taskDefaults,
  };
}

export const DEFAULT_POLICY: FulfillmentPolicy = buildPolicy({ timeScale: 1 });
