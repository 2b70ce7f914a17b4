import net from 'node:net';
import tls from 'node:tls';
import type { NotificationSender, OutgoingMessage } from './sender';

/**
 * A small SMTP client (RFC 5321): EHLO, optional AUTH PLAIN, MAIL FROM, RCPT TO, DATA. Configured
 * by BOXFLOW_SMTP_URL (smtp://user:pass@host:587, or smtps:// for TLS from the start) and
 * BOXFLOW_SMTP_FROM. The outbox's dedupe key becomes the Message-ID, so a mail server or client can
 * drop a duplicate after a crash between sending and recording.
 */
export interface SmtpConfig {
  url: string;
  from: string;
  timeoutMs?: number;
}

function encodeHeader(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function messageText(from: string, m: OutgoingMessage, host: string): string {
  const body = Buffer.from(m.body, 'utf8').toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return [
    `From: ${from}`,
    `To: ${m.to}`,
    `Subject: ${encodeHeader(m.subject)}`,
    `Message-ID: <${m.messageId.replace(/[^A-Za-z0-9._:-]/g, '_')}@${host}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    body,
  ].join('\r\n');
}

export function createSmtpSender(config: SmtpConfig): NotificationSender {
  const url = new URL(config.url);
  const secure = url.protocol === 'smtps:';
  const port = Number(url.port || (secure ? 465 : 587));
  const host = url.hostname;
  const timeoutMs = config.timeoutMs ?? 15_000;

  return {
    name: 'smtp',
    async send(m) {
      if (m.channel !== 'email') throw new Error(`the SMTP sender cannot send ${m.channel}`);
      const socket: net.Socket = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error('SMTP timeout')));
      let buffer = '';
      const waiters: Array<(line: { code: number; text: string }) => void> = [];
      let failure: Error | undefined;
      socket.on('error', (err) => {
        failure = err;
        for (const w of waiters.splice(0)) w({ code: 0, text: err.message });
      });
      socket.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        let idx;
        // A reply ends with a line whose 4th character is a space ("250 OK"), not a dash ("250-…").
        while ((idx = buffer.search(/^\d{3} .*\r?\n/m)) !== -1) {
          const end = buffer.indexOf('\n', idx) + 1;
          const reply = buffer.slice(0, end);
          buffer = buffer.slice(end);
          const last = reply.trimEnd().split(/\r?\n/).pop()!;
          waiters.shift()?.({ code: Number(last.slice(0, 3)), text: reply.trim() });
        }
      });
      const reply = () => new Promise<{ code: number; text: string }>((resolve) => (failure ? resolve({ code: 0, text: failure.message }) : waiters.push(resolve)));
      const expect = async (ok: number[], what: string) => {
        const r = await reply();
        if (!ok.includes(r.code)) throw new Error(`SMTP ${what} refused: ${r.text}`);
      };
      const command = async (line: string, ok: number[], what = line.split(' ')[0]) => {
        socket.write(`${line}\r\n`);
        await expect(ok, what);
      };
      try {
        await expect([220], 'greeting');
        await command(`EHLO boxflow.local`, [250]);
        if (url.username) {
          const token = Buffer.from(`\0${decodeURIComponent(url.username)}\0${decodeURIComponent(url.password)}`).toString('base64');
          await command(`AUTH PLAIN ${token}`, [235], 'AUTH');
        }
        await command(`MAIL FROM:<${config.from.replace(/^.*<|>.*$/g, '')}>`, [250]);
        await command(`RCPT TO:<${m.to}>`, [250, 251]);
        await command('DATA', [354]);
        // Dot-stuffing: a line that starts with "." gets a second one.
        socket.write(`${messageText(config.from, m, host).replace(/^\./gm, '..')}\r\n.\r\n`);
        await expect([250], 'message');
        await command('QUIT', [221]).catch(() => undefined);
      } finally {
        socket.destroy();
      }
    },
  };
}
