import { checkWebhookUrl, deliveryWorkflowId, isDelivered, isPrivateAddress, isWebhookEventType, responseSnippet, WEBHOOK_EVENT_TYPES } from '../../domain/outbound-webhooks';

describe('outbound webhook URLs', () => {
  it('accepts public http and https URLs', () => {
    expect(checkWebhookUrl('https://erp.example.com/hooks/boxflow?x=1', { allowPrivate: false })).toEqual({ ok: true, url: 'https://erp.example.com/hooks/boxflow?x=1', host: 'erp.example.com' });
    expect(checkWebhookUrl('http://203.0.113.7:8080/in', { allowPrivate: false }).ok).toBe(true);
  });

  it.each(['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://example.com', 'data:text/plain,hi'])('refuses the scheme of %s', (url) => {
    expect(checkWebhookUrl(url, { allowPrivate: true })).toEqual({ ok: false, reason: 'scheme' });
  });

  it('refuses what is not a URL, credentials in the URL, and over-long URLs', () => {
    expect(checkWebhookUrl('not a url', { allowPrivate: true })).toEqual({ ok: false, reason: 'invalid' });
    expect(checkWebhookUrl('', { allowPrivate: true })).toEqual({ ok: false, reason: 'invalid' });
    expect(checkWebhookUrl('https://user:pw@example.com/', { allowPrivate: true })).toEqual({ ok: false, reason: 'credentials' });
    expect(checkWebhookUrl(`https://example.com/${'a'.repeat(2000)}`, { allowPrivate: true })).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each(['http://localhost:3000/x', 'http://api.localhost/', 'http://127.0.0.1/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://172.31.255.255/', 'http://192.168.1.10/', 'http://169.254.169.254/latest/meta-data', 'http://0.0.0.0/', 'http://[::1]/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://[::ffff:127.0.0.1]/', 'http://100.64.0.1/', 'http://2130706433/', 'http://0x7f.1/'])(
    'refuses the private target %s unless private targets are allowed',
    (url) => {
      expect(checkWebhookUrl(url, { allowPrivate: false })).toEqual({ ok: false, reason: 'private' });
      expect(checkWebhookUrl(url, { allowPrivate: true }).ok).toBe(true);
    },
  );

  it('tells private addresses from public ones', () => {
    for (const ip of ['8.8.8.8', '172.15.0.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2001:db8::1', '2606:4700::1111', '::ffff:808:808']) expect([ip, isPrivateAddress(ip)]).toEqual([ip, false]);
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.0.1', '169.254.1.1', '::1', '::', 'fc00::1', 'fe80::abcd', '::ffff:10.0.0.1', '::ffff:a00:1', '224.0.0.1']) expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
  });
});

describe('outbound webhook delivery rules', () => {
  it('only a 2xx answer is delivered (redirects are not followed)', () => {
    expect([200, 201, 204, 299].map(isDelivered)).toEqual([true, true, true, true]);
    expect([undefined, 199, 301, 302, 400, 410, 429, 500, 503].map(isDelivered)).toEqual(Array(9).fill(false));
  });

  it('keeps one line of at most 300 characters of an answer', () => {
    expect(responseSnippet('  ok\r\n')).toBe('ok');
    expect(responseSnippet('a\u0000b\nc')).toBe('a b c');
    const long = responseSnippet('x'.repeat(1000));
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
  });

  it('names the delivery workflow after the delivery, a redelivery with its number', () => {
    expect(deliveryWorkflowId('dlv_1')).toBe('webhook-dlv_1');
    expect(deliveryWorkflowId('dlv_1', 2)).toBe('webhook-dlv_1-r2');
  });

  it('knows the six event types of issue 13', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual(['order.status_changed', 'order.shipped', 'order.delivered', 'order.delayed', 'return.received', 'refund.succeeded']);
    expect(isWebhookEventType('order.shipped')).toBe(true);
    expect(isWebhookEventType('order.anything')).toBe(false);
  });
});
