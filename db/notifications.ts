import type { Db } from './knex';
import { dbTime, toIso } from './time';

export interface NotificationRow {
  id: number;
  orderNo: string;
  kind: string;
  channel: 'email' | 'sms';
  recipient: string;
  lang: string;
  subject: string;
  body: string;
  dedupeKey: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  sentAt: string | null;
}

function fromRow(r: Record<string, any>): NotificationRow {
  return {
    id: r.id,
    orderNo: r.order_no,
    kind: r.kind,
    channel: r.channel,
    recipient: r.recipient,
    lang: r.lang,
    subject: r.subject,
    body: r.body,
    dedupeKey: r.dedupe_key,
    status: r.status,
    attempts: r.attempts,
    sentAt: toIso(r.sent_at),
  };
}

/** Writes the message to the outbox once per dedupe key; returns the row as it stands. */
export async function enqueueNotification(
  db: Db,
  n: Pick<NotificationRow, 'orderNo' | 'kind' | 'channel' | 'recipient' | 'lang' | 'subject' | 'body' | 'dedupeKey'>,
): Promise<NotificationRow> {
  await db('notifications')
    .insert({ order_no: n.orderNo, kind: n.kind, channel: n.channel, recipient: n.recipient, lang: n.lang, subject: n.subject, body: n.body, dedupe_key: n.dedupeKey, status: 'pending', attempts: 0, created_at: dbTime() })
    .onConflict('dedupe_key')
    .ignore();
  return fromRow(await db('notifications').where({ dedupe_key: n.dedupeKey }).first());
}

/** Claims a message for sending (compare-and-set); a sent message is never claimed again. */
export async function claimForSending(db: Db, id: number): Promise<boolean> {
  const changed = await db('notifications')
    .where({ id })
    .whereIn('status', ['pending', 'failed', 'sending'])
    .update({ status: 'sending', attempts: db.raw('attempts + 1') });
  return changed === 1;
}

export async function markSent(db: Db, id: number): Promise<void> {
  await db('notifications').where({ id, status: 'sending' }).update({ status: 'sent', sent_at: dbTime(), last_error: null });
}

export async function markFailed(db: Db, id: number, error: string): Promise<void> {
  await db('notifications').where({ id, status: 'sending' }).update({ status: 'failed', last_error: error.slice(0, 500) });
}

export async function listNotifications(db: Db, orderNo: string): Promise<NotificationRow[]> {
  return (await db('notifications').where({ order_no: orderNo }).orderBy('id')).map(fromRow);
}
