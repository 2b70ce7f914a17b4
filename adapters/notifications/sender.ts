import fs from 'node:fs';
import path from 'node:path';

/**
 * How a customer message leaves BoxFlow. The outbox (table notifications) decides what is sent and
 * makes sure each message is sent once; a sender only delivers. The message id is the outbox's
 * dedupe key, so a receiving system can drop a duplicate after a crash between send and record.
 */
export interface OutgoingMessage {
  messageId: string;
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  body: string;
}

export interface NotificationSender {
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
}

/** The default: one JSON line per message in <data>/outbox.log (what would have been sent). */
export function createLogSender(dataDir: string): NotificationSender {
  const file = path.join(dataDir, 'outbox.log');
  return {
    name: 'log',
    async send(message) {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
    },
  };
}

/** Test hook: a sender that fails the first `failures` sends (to show retries never duplicate). */
export function createFlakySender(inner: NotificationSender, failures: number): NotificationSender {
  let left = failures;
  return {
    name: `flaky(${inner.name})`,
    async send(message) {
      if (left-- > 0) throw new Error('sandbox sender: temporary failure');
      await inner.send(message);
    },
  };
}
