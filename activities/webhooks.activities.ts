import dns from 'node:dns/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { signWebhook } from '../adapters/webhooks/standard-webhooks';
import type { Db } from '../db/knex';
import { claimAttempt, deliveryToSend, listUndispatched, markDeliveryFailed, markDispatched, recordAttempt } from '../db/outbound-webhooks';
import { checkWebhookUrl, deliveryWorkflowId, isDelivered, isPrivateAddress, responseSnippet, WEBHOOK_DELIVERY_WORKFLOW } from '../domain/outbound-webhooks';
import type { ActivityDeps } from './deps';
import { notFound } from './errors';

/** BOXFLOW_WEBHOOK_ALLOW_PRIVATE=1: subscriptions may target loopback and private addresses (development, tests). */
export const allowPrivateTargets = (env: NodeJS.ProcessEnv = process.env) => env.BOXFLOW_WEBHOOK_ALLOW_PRIVATE === '1';

/** How long one HTTP attempt may take (BOXFLOW_WEBHOOK_TIMEOUT_MS, default 10 s). */
export const webhookTimeoutMs = (env: NodeJS.ProcessEnv = process.env) => {
  const n = Number(env.BOXFLOW_WEBHOOK_TIMEOUT_MS);
  return Number.isFinite(n) && n >= 100 && n <= 60_000 ? n : 10_000;
};

/**
 * Starts the delivery workflow of every delivery not started yet (at most 100 per call). Called by
 * each activity that wrote a fact with webhook events, after its transaction, and by the settlement
 * schedule's activity every ten minutes: what one call could not start (a crash between the commit
 * and here, Temporal briefly unreachable) the next one starts. The workflow id is the delivery's,
 * so two callers start it once. It never fails the activity that calls it: an order does not wait
 * for its webhooks. Outside an activity (a script, a unit test) it does nothing.
 */
export async function dispatchWebhookDeliveries(db: Db): Promise<number> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return 0;
  }
  try {
    const ids = await listUndispatched(db);
    for (const id of ids) {
      try {
        await ctx.client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW, {
          workflowId: deliveryWorkflowId(id),
          taskQueue: ctx.info.taskQueue,
          args: [{ deliveryId: id }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      await markDispatched(db, id);
    }
    return ids.length;
  } catch (err) {
    ctx.log.warn('outbound webhook deliveries not started yet; a later activity starts them', { error: (err as Error).message });
    return 0;
  }
}

/** Reads at most `max` bytes of an answer (a receiver may answer with megabytes). */
async function readCapped(res: Response, max = 4096): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Refuses a target that is (or resolves to) a private address, unless private targets are allowed. */
async function assertPublicTarget(url: string): Promise<void> {
  if (allowPrivateTargets()) return;
  const verdict = checkWebhookUrl(url, { allowPrivate: false });
  if (!verdict.ok) throw ApplicationFailure.nonRetryable(`webhook URL refused (${verdict.reason})`, 'WebhookTargetRefused');
  const addresses = await dns.lookup(verdict.host, { all: true, verbatim: true });
  if (addresses.some((a) => isPrivateAddress(a.address))) {
    throw ApplicationFailure.nonRetryable(`${verdict.host} resolves to a private address; set BOXFLOW_WEBHOOK_ALLOW_PRIVATE=1 to allow it`, 'WebhookTargetRefused');
  }
}

export function createWebhookActivities({ db }: ActivityDeps) {
  return {
    /**
     * One attempt of a delivery: claims it (a delivered one is never sent again), signs the stored
     * body with the subscription's secret (and its previous one while a rotation overlaps) (Standard Webhooks; `webhook-id` = the event id, a fresh
     * `webhook-timestamp`), POSTs it with a timeout and without following redirects, and records the
     * attempt (status, a snippet of the answer, or the error). A non-2xx answer or a network error
     * throws, and the workflow's retry policy tries again with back-off.
     */
    async deliverWebhook(input: { deliveryId: string }): Promise<{ delivered: boolean; statusCode?: number; attempt: number }> {
      const d = await deliveryToSend(db, input.deliveryId);
      if (!d) throw notFound(`webhook delivery ${input.deliveryId}`);
      if (d.status === 'delivered') return { delivered: true, attempt: 0 };
      if (d.status === 'failed') return { delivered: false, attempt: 0 };
      if (d.disabled) {
        await markDeliveryFailed(db, input.deliveryId, 'the subscription was disabled');
        return { delivered: false, attempt: 0 };
      }
      const attempt = await claimAttempt(db, input.deliveryId);
      if (!attempt) return { delivered: false, attempt: 0 };
      const started = Date.now();
      try {
        await assertPublicTarget(d.url);
      } catch (err) {
        await recordAttempt(db, { deliveryId: input.deliveryId, attempt, error: (err as Error).message, durationMs: Date.now() - started, delivered: false });
        throw err;
      }
      const signed = signWebhook(d.secrets, d.body, { id: d.eventId, timestamp: new Date() });
      let res: Response;
      try {
        res = await fetch(d.url, {
          method: 'POST',
          headers: { ...signed.headers, 'user-agent': 'BoxFlow-Webhooks/1' },
          body: signed.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(webhookTimeoutMs()),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const message = e.name === 'TimeoutError' ? `no answer within ${webhookTimeoutMs()} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
        await recordAttempt(db, { deliveryId: input.deliveryId, attempt, error: message, durationMs: Date.now() - started, delivered: false });
        throw ApplicationFailure.retryable(`webhook ${d.eventId} to ${new URL(d.url).host}: ${message}`, 'WebhookUnreachable');
      }
      const text = await readCapped(res).catch(() => '');
      const delivered = isDelivered(res.status);
      await recordAttempt(db, { deliveryId: input.deliveryId, attempt, statusCode: res.status, responseSnippet: responseSnippet(text), durationMs: Date.now() - started, delivered });
      if (!delivered) throw ApplicationFailure.retryable(`webhook ${d.eventId} to ${new URL(d.url).host}: answered ${res.status}`, 'WebhookRejected');
      return { delivered: true, statusCode: res.status, attempt };
    },

    /** The retries ran out: the delivery is failed (a person may redeliver it from the log). */
    async failWebhookDelivery(input: { deliveryId: string; reason: string }): Promise<void> {
      await markDeliveryFailed(db, input.deliveryId, input.reason);
    },
  };
}
