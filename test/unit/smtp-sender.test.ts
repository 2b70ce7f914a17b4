/**
 * The SMTP sender against a real SMTP conversation on loopback: a small server that speaks the
 * protocol (greeting, EHLO, AUTH, MAIL, RCPT, DATA, QUIT) and keeps what it received.
 */
import net from 'node:net';
import { createSmtpSender } from '../../adapters/notifications/smtp';

function smtpServer(opts: { rejectRcpt?: boolean } = {}) {
  const received: Array<{ commands: string[]; data: string }> = [];
  const server = net.createServer((socket) => {
    const session = { commands: [] as string[], data: '' };
    let inData = false;
    let buffer = '';
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
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
        if (line.startsWith('EHLO')) socket.write('250-test\r\n250 AUTH PLAIN\r\n');
        else if (line.startsWith('AUTH')) socket.write('235 ok\r\n');
        else if (line.startsWith('MAIL')) socket.write('250 ok\r\n');
        else if (line.startsWith('RCPT')) socket.write(opts.rejectRcpt ? '550 no such user\r\n' : '250 ok\r\n');
        else if (line === 'DATA') {
          inData = true;
          socket.write('354 go\r\n');
        } else if (line === 'QUIT') {
          socket.write('221 bye\r\n');
          socket.end();
        }
      }
    });
  });
  return new Promise<{ port: number; received: typeof received; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, received, close: () => server.close() })),
  );
}

test('sends a UTF-8 message with the outbox key as Message-ID, after AUTH', async () => {
  const srv = await smtpServer();
  try {
    const sender = createSmtpSender({ url: `smtp://shop%40boxflow:s3cret@127.0.0.1:${srv.port}`, from: 'BoxFlow <no-reply@boxflow.test>' });
    await sender.send({ messageId: 'shipped:SHP-SO-1-1', channel: 'email', to: 'lina@example.cn', subject: '您的订单 SO-1 已发货', body: '运单号 SF123\n.line starting with a dot' });
    expect(srv.received).toHaveLength(1);
    const { commands, data } = srv.received[0];
    expect(commands).toEqual(expect.arrayContaining(['EHLO boxflow.local', 'MAIL FROM:<no-reply@boxflow.test>', 'RCPT TO:<lina@example.cn>', 'DATA']));
    const auth = commands.find((c) => c.startsWith('AUTH PLAIN '))!;
    expect(Buffer.from(auth.slice(11), 'base64').toString()).toBe('\0shop@boxflow\0s3cret');
    expect(data).toContain('Message-ID: <shipped:SHP-SO-1-1@127.0.0.1>');
    expect(data).toContain(`Subject: =?UTF-8?B?${Buffer.from('您的订单 SO-1 已发货').toString('base64')}?=`);
    const body = data.split('\n\n')[1].replace(/\n/g, '');
    expect(Buffer.from(body, 'base64').toString('utf8')).toBe('运单号 SF123\n.line starting with a dot');
  } finally {
    srv.close();
  }
});

test('a refused recipient is an error (so the outbox retries), and SMS is not SMTP’s job', async () => {
  const srv = await smtpServer({ rejectRcpt: true });
  try {
    const sender = createSmtpSender({ url: `smtp://127.0.0.1:${srv.port}`, from: 'no-reply@boxflow.test' });
    await expect(sender.send({ messageId: 'k', channel: 'email', to: 'x@example.cn', subject: 's', body: 'b' })).rejects.toThrow(/RCPT refused/);
    await expect(sender.send({ messageId: 'k', channel: 'sms', to: '13800138000', subject: 's', body: 'b' })).rejects.toThrow(/cannot send sms/);
  } finally {
    srv.close();
  }
});
