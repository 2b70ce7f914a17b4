import { appendEvent } from '../db/events';
import { cancelOpenTasks, NewTask, openTask, resolveTask, TaskStatus } from '../db/tasks';
import type { ActivityDeps } from './deps';

/** A task as the workflow opens it: the row's fields plus the workflow's own key for the wait. */
export type OpenTaskInput = NewTask;

export function createTaskActivities({ db }: ActivityDeps) {
  return {
    /** A human decision the workflow now waits for; opening it again (a retry) returns the same task. */
    async openTask(t: OpenTaskInput): Promise<{ taskId: number; status: TaskStatus; decision: string | null; decidedBy: string | null }> {
      const task = await openTask(db, t);
      await appendEvent(db, {
        orderNo: t.orderNo,
        type: 'task_opened',
        detail: `${t.kind}: waiting for a decision (${t.options.join(' / ')}); default ${t.defaultOption} at ${t.deadline}`,
        data: { taskId: task.id, kind: t.kind, options: t.options, defaultOption: t.defaultOption, deadline: t.deadline },
        dedupeKey: `task-opened:${t.workflowKey}`,
      });
      // Opened again under the same key (a retry, or a step re-run after a workflow reset): the row as it stands.
      return { taskId: task.id, status: task.status, decision: task.decision ?? null, decidedBy: task.decidedBy ?? null };
    },

    /**
     * Closes a task by compare-and-set; the winner's decision is written to the timeline with who,
     * when and why. A loser learns what the task holds instead.
     */
    async resolveTask(r: { orderNo: string; taskId: number; decision: string; decidedBy: string; note?: string; status: Exclude<TaskStatus, 'open'> }) {
      const { won, task } = await resolveTask(db, { id: r.taskId, decision: r.decision, decidedBy: r.decidedBy, note: r.note, status: r.status });
      if (won) {
        const how = r.status === 'expired' ? 'deadline passed, default applied' : `decided by ${r.decidedBy}`;
        await appendEvent(db, {
          orderNo: r.orderNo,
          type: 'decision',
          detail: `${task.kind}: ${r.decision} (${how})${r.note ? ` — ${r.note}` : ''}`,
          data: { taskId: r.taskId, kind: task.kind, decision: r.decision, decidedBy: r.decidedBy, note: r.note ?? null, status: r.status },
          dedupeKey: `task-resolved:${r.taskId}`,
        });
      }
      return { won, decision: task.decision ?? r.decision, decidedBy: task.decidedBy ?? r.decidedBy, status: task.status };
    },

    async cancelOpenTasks(orderNo: string): Promise<number> {
      return cancelOpenTasks(db, orderNo);
    },
  };
}
