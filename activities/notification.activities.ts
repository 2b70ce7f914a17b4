import { ApplicationFailure } from '@temporalio/common';
import { claimForSending, enqueueNotification, markFailed, markSent } from '../db/notifications';
import { getOrder } from '../db/orders';
import { CARRIER_NAMES } from '../domain/carriers';
import { languageFor, NotificationKind, renderNotification } from '../domain/notifications';
import type { CarrierCode } from '../domain/types';
import type { ActivityDeps } from './deps';

export function createNotificationActivities({ db, sender }: ActivityDeps) {
  return {
    /**
     * Tells the customer (P3.4, P3.5): the message goes to the outbox once per dedupe key, is sent
     * through the configured sender, and is never sent again once recorded as sent. A sender failure
     * is retried by Temporal with the same outbox row.
     */
    async notifyCustomer(input: { orderNo: string; kind: NotificationKind; dedupeKey: string; carrier?: string; trackingNo?: string; amount?: number; rmaNo?: string; items?: string }): Promise<{ sent: boolean }> {
      const order = await getOrder(db, input.orderNo);
      if (!order) throw ApplicationFailure.nonRetryable(`order ${input.orderNo} does not exist`, 'OrderNotFound');
      const lang = languageFor(order.shippingAddress.country);
      const carrierName = input.carrier ? (CARRIER_NAMES[input.carrier as CarrierCode]?.[lang] ?? input.carrier) : undefined;
      const { subject, body } = renderNotification(input.kind, lang, {
        orderNo: order.orderNo,
        customerName: order.customer.name,
        carrier: carrierName,
        trackingNo: input.trackingNo,
        rmaNo: input.rmaNo,
        items: input.items,
        amount: input.amount !== undefined ? `${input.amount.toFixed(2)} ${order.currency}` : undefined,
      });
      const channel = order.customer.email ? 'email' : 'sms';
      const row = await enqueueNotification(db, {
        orderNo: order.orderNo,
        kind: input.kind,
        channel,
        recipient: order.customer.email ?? order.customer.phone,
        lang,
        subject,
        body,
        dedupeKey: input.dedupeKey,
      });
      if (row.status === 'sent') return { sent: false };
      if (!(await claimForSending(db, row.id))) return { sent: false };
      try {
        await sender.send({ messageId: row.dedupeKey, channel: row.channel, to: row.recipient, subject: row.subject, body: row.body });
      } catch (err) {
        await markFailed(db, row.id, (err as Error).message);
        throw err;
      }
      await markSent(db, row.id);
      return { sent: true };
    },
  };
}
