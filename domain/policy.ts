import { DEFAULT_AT_RISK_FRACTION, DEFAULT_RETAIL_SLA_MS } from './sla';
import { DEFAULT_STATION_CUTOFF_RULES, STATION_DEADLINES_MS, StationCutoffRules, StationStep, WAREHOUSE_MODES, WarehouseMode } from './stations';
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
  /**
   * A run of a long-lived workflow (an order waiting weeks for restock, a parcel tracked for a month)
   * continues as new once its history holds this many events, carrying its state. Temporal suggests
   * it at 4,096, warns at 10,240 and ends a workflow at 51,200. Absent in orders started before it
   * existed: {@link historyBudget} gives the default.
   */
  continueAsNewAfterEvents?: number;
  /**
   * `stations`: people pick, pack and hand over, and the order waits for each station's message;
   * `auto` (or absent, as in orders started before stations existed): the warehouse runs by itself.
   * Fixed per order at its start, so that changing BOXFLOW_WAREHOUSE never alters an order in flight.
   */
  warehouse?: WarehouseMode;
  /** How long each station step may take before a supervisor task opens (scaled). */
  stationDeadlineMs?: Record<StationStep, number>;
  /**
   * At time scale 1: station deadlines relative to the carrier's pickup cut-off (not picked 4 h,
   * not packed 2 h before it; see domain/stations stationDueAt), instead of stationDeadlineMs.
   * Absent under an accelerated clock and in orders started before it existed.
   */
  stationCutoffs?: StationCutoffRules;
  /**
   * Issue 15: how long (scaled) an order may wait for restock of its back-ordered lines before a
   * back_order_overdue task asks a supervisor (keep waiting, cancel the waiting lines, cancel the
   * order). Absent in orders started before it existed: they never open that task.
   */
  backOrderTaskAfterMs?: number;
}

export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

export function historyBudget(policy: FulfillmentPolicy): number {
  return policy.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
}

/**
 * How often a waiting workflow looks in the database itself, in case the signal that should wake it
 * (a restock's back-order fill, a parcel's end of tracking) was lost: every `everyMs` of business
 * time (scaled), never more often than once a second. The signal is the fast path.
 */
export function safetyNetMs(policy: FulfillmentPolicy, everyMs: number): number {
  return Math.max(1_000, Math.round(everyMs * policy.timeScale));
}

export const DEFAULT_PAYMENT_DEADLINE_MS = 30 * 60 * 1000;
/** Issue 15: a restock wait longer than this (business time, unscaled) opens a back_order_overdue task. */
export const DEFAULT_BACK_ORDER_TASK_AFTER_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

export function buildPolicy(opts: { timeScale: number; stockoutDefault?: string; continueAsNewAfterEvents?: number; warehouse?: WarehouseMode; backOrderTaskAfterDays?: number }): FulfillmentPolicy {
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
  const warehouse = opts.warehouse ?? 'auto';
  if (!WAREHOUSE_MODES.includes(warehouse)) throw new Error(`warehouse mode must be one of ${WAREHOUSE_MODES.join(', ')}`);
  const backOrderTaskAfterDays = opts.backOrderTaskAfterDays ?? DEFAULT_BACK_ORDER_TASK_AFTER_DAYS;
  if (!Number.isFinite(backOrderTaskAfterDays) || backOrderTaskAfterDays <= 0) throw new Error('the back-order task time must be a positive number of days');
  return {
    timeScale: s,
    paymentDeadlineMs: Math.round(DEFAULT_PAYMENT_DEADLINE_MS * s),
    retailSlaMs: Math.round(DEFAULT_RETAIL_SLA_MS * s),
    atRiskFraction: DEFAULT_AT_RISK_FRACTION,
    taskDeadlineMs,
    taskDefaults,
    continueAsNewAfterEvents: opts.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS,
    backOrderTaskAfterMs: Math.round(backOrderTaskAfterDays * DAY_MS * s),
    // Auto orders carry no station fields: their policy (and so their history) stays as it was.
    ...(warehouse === 'stations'
      ? {
          warehouse,
          stationDeadlineMs: { pick: Math.round(STATION_DEADLINES_MS.pick * s), pack: Math.round(STATION_DEADLINES_MS.pack * s), handover: Math.round(STATION_DEADLINES_MS.handover * s) },
          // Real cut-offs need a real clock: under an accelerated one the fixed, scaled deadlines apply.
          ...(s === 1 ? { stationCutoffs: JSON.parse(JSON.stringify(DEFAULT_STATION_CUTOFF_RULES)) as StationCutoffRules } : {}),
        }
      : {}),
  };
}

/**
 * The policy of orders started without one (before policies existed): as they ran then, so without
 * the settings added since that change what a waiting order does (backOrderTaskAfterMs).
 */
export const DEFAULT_POLICY: FulfillmentPolicy = (({ backOrderTaskAfterMs: _none, ...rest }) => rest)(buildPolicy({ timeScale: 1 }));
