import nodemailer from 'nodemailer';
import type { NotificationSender } from './sender';

/**
 * Customer e-mail through SMTP with nodemailer. BOXFLOW_SMTP_URL: `smtps://user:pass@host:465` (TLS
 * from the start) or `smtp://user:pass@host:587`, where STARTTLS is required: a server that does not
 * offer it gets neither the password nor the customer's mail (issue 13). The certificate is
 * verified. BOXFLOW_SMTP_FROM is the sender. The outbox's dedupe key becomes the Message-ID, so a
 * mail server or client can drop a duplicate after a crash between sending and recording.
 */
export interface SmtpConfig {
  url: string;
  from: string;
  timeoutMs?: number;
  /** Extra trusted CA certificates (PEM), e.g. a company CA; tests pass their own. */
  ca?: string | Buffer;
}

export function createSmtpSender(config: SmtpConfig): NotificationSender {
  const url = new URL(config.url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('BOXFLOW_SMTP_URL must be smtp://… (STARTTLS) or smtps://…');
  const secure = url.protocol === 'smtps:';
  const host = url.hostname;
  const timeoutMs = config.timeoutMs ?? 15_000;
  const transport = nodemailer.createTransport({
    host,
    port: Number(url.port || (secure ? 465 : 587)),
    secure,
    requireTLS: !secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    tls: { servername: host, rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(config.ca ? { ca: config.ca } : {}) },
    name: 'boxflow.local',
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });

  return {
    name: 'smtp',
    async send(m) {
      if (m.channel !== 'email') throw new Error(`the SMTP sender cannot send ${m.channel}`);
      const info = await transport.sendMail({
        from: config.from,
        to: m.to,
        subject: m.subject,
        text: m.body,
        messageId: `<${m.messageId.replace(/[^A-Za-z0-9._:-]/g, '_')}@${host}>`,
        textEncoding: 'base64',
      });
      if (info.rejected?.length) throw new Error(`SMTP RCPT refused: ${String(info.rejected)}`);
    },
  };
}
