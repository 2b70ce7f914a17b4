import type { Db } from './knex';
import { dbTime } from './time';

/**
 * Claims a webhook message id for a provider. True: first time seen (the row is written); false: a
 * replay. Rows older than a day are purged on the way (a signed message is valid for 5 minutes).
 */
export async function claimWebhookEvent(db: Db, provider: string, eventId: string, now = Date.now()): Promise<boolean> {
  await db('webhook_events').where('received_at', '<', dbTime(now - 24 * 3600_000)).delete();
  const inserted = await db('webhook_events')
    .insert({ provider, event_id: eventId.slice(0, 200), received_at: dbTime(now) })
    .onConflict(['provider', 'event_id'])
    .ignore()
    .returning('event_id');
  return inserted.length === 1;
}

/** Gives a claimed id back, so that the provider's retry of a message BoxFlow could not take yet is not refused as a replay. */
export async function releaseWebhookEvent(db: Db, provider: string, eventId: string): Promise<void> {
  await db('webhook_events').where({ provider, event_id: eventId.slice(0, 200) }).delete();
}

export async function countWebhookEvents(db: Db, provider?: string): Promise<number> {
  const q = db('webhook_events');
  if (provider) q.where({ provider });
  const [{ n }] = await q.count({ n: '*' });
  return Number(n);
}
