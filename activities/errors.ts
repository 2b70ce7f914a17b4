import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/**
 * Failures of activities, in one place: which are permanent (a retry cannot help: a missing row, a
 * broken constraint, invalid input) and which are worth another attempt (timeouts, a busy database,
 * a provider's 5xx). Temporal retries whatever is not marked non-retryable; the workflow's stubs
 * (workflows/order/activities.ts) list the permanent types once more, so that a failure type stays
 * permanent even if an activity forgets to mark it.
 */

/** A row the activity needs does not exist (an order, a shipment, a return, a line). */
export function notFound(what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what} does not exist`, 'NotFound');
}

/** The input can never succeed (a bug in the caller, or data changed under it). */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidInput');
}

const CONSTRAINT = /SQLITE_CONSTRAINT|violates (check|foreign key|not-null|unique) constraint|CHECK constraint failed/i;

/** Maps errors thrown below an activity (knex, drivers) to permanent failures where a retry cannot help. */
export function classify(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  // A broken CHECK or FOREIGN KEY means the activity would break it again on every attempt.
  if (CONSTRAINT.test(message) && !/UNIQUE/i.test(message)) return ApplicationFailure.nonRetryable(message, 'ConstraintViolation');
  return err;
}

/** Wraps every activity of a group so that permanent errors leave as non-retryable failures. */
export function withClassifiedErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(group: T): T {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(group)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw classify(err);
      }
    };
    Object.defineProperty(out[name], 'name', { value: name });
  }
  return out as T;
}

/**
 * Heartbeats every `everyMs` while a call to the outside world runs, whatever the provider's
 * client does meanwhile: a slow carrier keeps the attempt alive, a dead worker stops the beats and
 * Temporal retries elsewhere after the heartbeat timeout. Outside an activity it just runs the call.
 */
export async function heartbeating<T>(call: () => Promise<T>, everyMs = 3_000): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return call();
  }
  const beat = setInterval(() => ctx!.heartbeat(), everyMs);
  ctx.heartbeat();
  try {
    return await call();
  } finally {
    clearInterval(beat);
  }
}
