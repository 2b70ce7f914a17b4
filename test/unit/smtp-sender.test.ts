/**
 * The SMTP sender (nodemailer) against a real SMTP conversation on loopback: a small server that
 * speaks the protocol (greeting, EHLO, STARTTLS with a throwaway certificate, AUTH, MAIL, RCPT,
 * DATA, QUIT) and keeps what it received. smtp:// requires STARTTLS: a server without it gets no
 * password and no mail.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createSmtpSender } from '../../adapters/notifications/smtp';

let cert: { key: string; cert: string };
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smtp-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  cert = { key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
});

function smtpServer(opts: { rejectRcpt?: boolean; starttls?: boolean } = {}) {
  const received: Array<{ commands: string[]; data: string; tls: boolean }> = [];
  const server = net.createServer((raw) => {
    const session = { commands: [] as string[], data: '', tls: false };
    let socket: net.Socket = raw;
    let inData = false;
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let idx;
      while ((idx = buffer.indexOf('\r\n')) !== -1) {
        const line = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(session);
            socket.write('250 queued\r\n');
          } else session.data += `${line}\n`;
          continue;
        }
        session.commands.push(line);
        if (/^(EHLO|HELO)/.test(line)) socket.write(`250-test\r\n${opts.starttls && !session.tls ? '250-STARTTLS\r\n' : ''}250 AUTH PLAIN LOGIN\r\n`);
        else if (line === 'STARTTLS' && opts.starttls) {
          socket.write('220 go ahead\r\n');
          socket.removeListener('data', onData);
          const secure = new tls.TLSSocket(socket, { isServer: true, key: cert.key, cert: cert.cert });
          session.tls = true;
          socket = secure;
          secure.on('data', onData);
        } else if (line.startsWith('AUTH')) socket.write('235 ok\r\n');
        else if (line.startsWith('MAIL')) socket.write('250 ok\r\n');
        else if (line.startsWith('RCPT')) socket.write(opts.rejectRcpt ? '550 no such user\r\n' : '250 ok\r\n');
        else if (line === 'DATA') {
          inData = true;
          socket.write('354 go\r\n');
        } else if (line === 'QUIT') {
          socket.write('221 bye\r\n');
          socket.end();
        } else socket.write('502 unknown\r\n');
      }
    };
    raw.on('data', onData);
    raw.on('error', () => undefined);
    raw.write('220 test ESMTP\r\n');
  });
  return new Promise<{ port: number; received: typeof received; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, received, close: () => server.close() })),
  );
}

test('smtp://: STARTTLS first, then AUTH; a UTF-8 message with the outbox key as Message-ID', async () => {
  const srv = await smtpServer({ starttls: true });
  try {
    const sender = createSmtpSender({ url: `smtp://shop%40boxflow:s3cret@localhost:${srv.port}`, from: 'BoxFlow <no-reply@boxflow.test>', ca: cert.cert });
    await sender.send({ messageId: 'shipped:SHP-SO-1-1', channel: 'email', to: 'lina@example.cn', subject: '您的订单 SO-1 已发货', body: '运单号 SF123\n.line starting with a dot' });
    expect(srv.received).toHaveLength(1);
    const { commands, data } = srv.received[0];
    expect(srv.received[0].tls).toBe(true);
    const starttls = commands.indexOf('STARTTLS');
    const auth = commands.findIndex((c) => c.startsWith('AUTH'));
    expect(starttls).toBeGreaterThanOrEqual(0);
    expect(auth).toBeGreaterThan(starttls);
    expect(commands).toEqual(expect.arrayContaining(['MAIL FROM:<no-reply@boxflow.test>', 'RCPT TO:<lina@example.cn>', 'DATA']));
    expect(data).toContain('Message-ID: <shipped:SHP-SO-1-1@localhost>');
    const body = data.split('\n\n')[1].replace(/\n/g, '');
    expect(Buffer.from(body, 'base64').toString('utf8')).toBe('运单号 SF123\n.line starting with a dot');
  } finally {
    srv.close();
  }
});

test('smtp:// to a server without STARTTLS: refused before the password or the mail is sent', async () => {
  const srv = await smtpServer({ starttls: false });
  try {
    const sender = createSmtpSender({ url: `smtp://shop:s3cret@localhost:${srv.port}`, from: 'no-reply@boxflow.test', ca: cert.cert });
    await expect(sender.send({ messageId: 'k', channel: 'email', to: 'x@example.cn', subject: 's', body: 'the customer\'s address' })).rejects.toThrow();
    expect(srv.received).toHaveLength(0);
  } finally {
    srv.close();
  }
});

test('an untrusted certificate is refused', async () => {
  const srv = await smtpServer({ starttls: true });
  try {
    const sender = createSmtpSender({ url: `smtp://shop:s3cret@localhost:${srv.port}`, from: 'no-reply@boxflow.test' });
    await expect(sender.send({ messageId: 'k', channel: 'email', to: 'x@example.cn', subject: 's', body: 'b' })).rejects.toThrow(/certificate/i);
    expect(srv.received).toHaveLength(0);
  } finally {
    srv.close();
  }
});

test('a refused recipient is an error (so the outbox retries), and SMS is not SMTP’s job', async () => {
  const srv = await smtpServer({ starttls: true, rejectRcpt: true });
  try {
    const sender = createSmtpSender({ url: `smtp://localhost:${srv.port}`, from: 'no-reply@boxflow.test', ca: cert.cert });
    await expect(sender.send({ messageId: 'k', channel: 'email', to: 'x@example.cn', subject: 's', body: 'b' })).rejects.toThrow();
    await expect(sender.send({ messageId: 'k', channel: 'sms', to: '13800138000', subject: 's', body: 'b' })).rejects.toThrow(/cannot send sms/);
  } finally {
    srv.close();
  }
});
