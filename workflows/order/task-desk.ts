import { ActivityFailure, ApplicationFailure, condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import { TASK_KINDS } from '../../domain/tasks';
import type { TaskKind } from '../../domain/types';
import { db } from './activities';
import type { FulfillmentPolicy } from '../../domain/policy';
import { decideTaskUpdate, TaskDecision, TaskDecisionResult } from './messages';
import type { OrderProgress } from './state';

/** What a desk needs from the workflow it runs in (the order's, or a shipment's tracking). */
export interface DeskContext {
  orderNo: string;
  policy: FulfillmentPolicy;
  progress: Pick<OrderProgress, 'waitingFor' | 'openTasks'>;
  nextKey(what: string): string;
}

interface OpenTask {
  taskId: number;
  kind: TaskKind;
  options: readonly string[];
  deciding: boolean;
  result?: TaskDecisionResult;
  correction?: TaskDecision['correction'];
}

/**
 * Human decisions for one order. `ask` opens a task (a row in the tasks table) and waits for the
 * `decideTask` update or the deadline, whichever comes first; then the default applies. The update's
 * validator refuses an unknown task or option before anything changes; the database's
 * compare-and-set decides who wins a race (a person against a person, or against the deadline).
 */
export class TaskDesk {
  private readonly open = new Map<number, OpenTask>();
  /**
   * Tasks being opened: their row is already visible to the API while the workflow has not yet seen
   * the id the database gave them. A decision naming such a task by its key is accepted and waits for it.
   */
  private readonly opening: Array<{ key: string; options: readonly string[] }> = [];

  constructor(private readonly ctx: DeskContext) {
    setHandler(
      decideTaskUpdate,
      async (d) => {
        await condition(() => this.open.has(d.taskId) || !this.opening.some((o) => o.key === d.taskKey));
        const task = this.open.get(d.taskId);
        if (!task) throw ApplicationFailure.nonRetryable(`task ${d.taskId} is not open on order ${ctx.orderNo}`, 'TaskNotOpen');
        if (!task.options.includes(d.decision)) throw ApplicationFailure.nonRetryable(`"${d.decision}" is not an option of this ${task.kind} task`, 'InvalidDecision');
        if (task.deciding || task.result) throw ApplicationFailure.nonRetryable(`task ${d.taskId} is already being decided`, 'TaskAlreadyDecided');
        task.deciding = true;
        try {
          const r = await db.resolveTask({ orderNo: ctx.orderNo, taskId: d.taskId, decision: d.decision, decidedBy: d.decidedBy, note: d.note, status: 'decided' });
          if (!r.won) throw ApplicationFailure.nonRetryable(`task ${d.taskId} was already decided: ${r.decision} by ${r.decidedBy}`, 'TaskAlreadyDecided');
          task.correction = d.correction;
          task.result = { taskId: d.taskId, decision: r.decision, decidedBy: r.decidedBy };
          return task.result;
        } finally {
          task.deciding = false;
        }
      },
      {
        validator: (d) => {
          const task = this.open.get(d.taskId);
          if (!task) {
            // Only the task being opened right now, named by its key, may be decided before its id is known.
            const opening = this.opening.find((o) => d.taskKey !== undefined && o.key === d.taskKey);
            if (opening && opening.options.includes(d.decision)) return;
            throw new Error(`task ${d.taskId} is not open on order ${ctx.orderNo}`);
          }
          if (task.result) throw new Error(`task ${d.taskId} was already decided: ${task.result.decision}`);
          if (!task.options.includes(d.decision)) throw new Error(`"${d.decision}" is not an option of this ${task.kind} task (${task.options.join(', ')})`);
          if (!d.decidedBy || typeof d.decidedBy !== 'string') throw new Error('decidedBy is required');
        },
      },
    );
  }

  /** How many tasks wait for a person now (a run does not continue as new while any does). */
  get openCount(): number {
    return this.opening.length + [...this.open.values()].filter((t) => !t.result).length;
  }

  /** Like ask, with the correction a person attached to the decision (e.g. a corrected address). */
  async askWithCorrection(kind: TaskKind, context: Record<string, unknown>, waitingFor: string): Promise<{ decision: string; correction?: TaskDecision['correction'] }> {
    let found: OpenTask | undefined;
    const decision = await this.ask(kind, context, waitingFor, undefined, (t) => (found = t));
    return { decision, correction: found?.correction };
  }

  /** Opens a task and returns the decision: a person's, or the default once the deadline passes. */
  async ask(kind: TaskKind, context: Record<string, unknown>, waitingFor: string, deadlineOverrideMs?: number, onOpen?: (t: OpenTask) => void): Promise<string> {
    const spec = TASK_KINDS[kind];
    const defaultOption = this.ctx.policy.taskDefaults[kind] ?? spec.defaultOption;
    const deadlineMs = deadlineOverrideMs ?? this.ctx.policy.taskDeadlineMs[kind] ?? spec.deadlineMs;
    const deadline = new Date(Date.now() + deadlineMs).toISOString();
    const key = `task:${this.ctx.nextKey(kind)}`;
    const opening = { key, options: spec.options };
    this.opening.push(opening);
    const opened = await db.openTask({
      orderNo: this.ctx.orderNo,
      kind,
      options: spec.options,
      defaultOption,
      deadline,
      context,
      priority: spec.priority,
      workflowKey: key,
      workflowId: workflowInfo().workflowId,
    });
    const { taskId } = opened;
    const task: OpenTask = { taskId, kind, options: spec.options, deciding: false };
    // A step re-run after `temporal workflow reset` opens the same task again: if it was already
    // decided in the first run, that decision stands.
    if (opened.status && opened.status !== 'open' && opened.decision) task.result = { taskId, decision: opened.decision, decidedBy: opened.decidedBy ?? 'system' };
    this.open.set(taskId, task);
    this.opening.splice(this.opening.indexOf(opening), 1);
    onOpen?.(task);
    const progress = this.ctx.progress;
    progress.openTasks.push({ taskId, kind, options: spec.options, defaultOption, deadline });
    const previousWait = progress.waitingFor;
    progress.waitingFor = `${kind} task ${taskId}: ${waitingFor}`;
    try {
      const decided = await condition(() => task.result !== undefined, deadlineMs);
      if (!decided) {
        // Wait for a decision in flight to finish; otherwise apply the default (compare-and-set).
        await condition(() => !task.deciding);
        if (!task.result) {
          const r = await db.resolveTask({ orderNo: this.ctx.orderNo, taskId, decision: defaultOption, decidedBy: 'system', note: 'deadline passed: default applied', status: 'expired' });
          task.result = { taskId, decision: r.decision, decidedBy: r.decidedBy };
        }
      }
      return task.result!.decision;
    } finally {
      progress.openTasks = progress.openTasks.filter((t) => t.taskId !== taskId);
      progress.waitingFor = previousWait;
    }
  }

  /** Closes open tasks of a kind that no longer matter (e.g. an SLA warning once the order shipped). */
  async withdrawOpen(kind: TaskKind, why: string): Promise<void> {
    for (const task of this.open.values()) {
      if (task.kind !== kind || task.result) continue;
      await condition(() => !task.deciding);
      if (task.result) continue;
      const r = await db.resolveTask({ orderNo: this.ctx.orderNo, taskId: task.taskId, decision: 'withdrawn', decidedBy: 'system', note: why, status: 'cancelled' });
      task.result = { taskId: task.taskId, decision: r.decision, decidedBy: r.decidedBy };
    }
  }

  /**
   * A step that must happen (cancelling a waybill, voiding or refunding a cancelled order's charge)
   * and talks to an outside service: its activity retries with back-off; when the retries run out,
   * a step_failed task asks a person to retry or to confirm it was done by hand. Returns undefined
   * when a person did it by hand.
   */
  async persist<T>(step: string, run: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
        const cause = err.cause instanceof Error ? err.cause.message : String(err.cause ?? err.message);
        const decision = await this.ask('step_failed', { step, error: cause.slice(0, 500) }, `${step} keeps failing: ${cause.slice(0, 120)}`);
        if (decision === 'done_by_hand') return undefined;
      }
    }
  }
}
