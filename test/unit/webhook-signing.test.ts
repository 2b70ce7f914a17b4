import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook } from '../../adapters/webhooks/standard-webhooks';
import { webhookSecretsFromEnv } from '../../web/webhooks/secrets';
import { verifySignedWebhook } from '../../web/webhooks/verify';

const OLD = generateWebhookSecret();
const NEW = generateWebhookSecret();
const body = { orderNo: 'A-1', status: 'succeeded', reference: 'sbx_ch_1', amount: 10 };

describe('verifySignedWebhook (Standard Webhooks)', () => {
  test('the signer is the standardwebhooks reference: its own verify accepts what signWebhook makes', () => {
    const s = signWebhook(NEW, body);
    expect(new Webhook(NEW).verify(s.body, s.headers)).toEqual(body);
  });

  test('rotation: a message signed with either listed secret is accepted; with neither it is not', () => {
    for (const secret of [OLD, NEW]) {
      const s = signWebhook(secret, body);
      expect(verifySignedWebhook([NEW, OLD], s.body, s.headers)).toEqual({ ok: true, id: s.headers['webhook-id'] });
    }
    const stranger = signWebhook(generateWebhookSecret(), body);
    expect(verifySignedWebhook([NEW, OLD], stranger.body, stranger.headers)).toMatchObject({ ok: false, error: 'bad_signature' });
  });

  test('a provider signing with both secrets during its own rotation (two v1 signatures) is accepted by either list', () => {
    const s = signWebhook([OLD, NEW], body);
    expect(s.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifySignedWebhook([OLD], s.body, s.headers).ok).toBe(true);
    expect(verifySignedWebhook([NEW], s.body, s.headers).ok).toBe(true);
  });

  test('refusals name their reason', () => {
    const s = signWebhook(NEW, body);
    expect(verifySignedWebhook(undefined, s.body, s.headers)).toMatchObject({ ok: false, error: 'webhook_not_configured' });
    expect(verifySignedWebhook([NEW], s.body, { ...s.headers, 'webhook-signature': undefined })).toMatchObject({ ok: false, error: 'missing_signature' });
    expect(verifySignedWebhook([NEW], `${s.body} `, s.headers)).toMatchObject({ ok: false, error: 'bad_signature' });
    expect(verifySignedWebhook([NEW], s.body, { ...s.headers, 'webhook-id': 'another' })).toMatchObject({ ok: false, error: 'bad_signature' });
    const old = signWebhook(NEW, body, { timestamp: new Date(Date.now() - 301_000) });
    expect(verifySignedWebhook([NEW], old.body, old.headers)).toMatchObject({ ok: false, error: 'stale_timestamp' });
    const inWindow = signWebhook(NEW, body, { timestamp: new Date(Date.now() - 290_000) });
    expect(verifySignedWebhook([NEW], inWindow.body, inWindow.headers).ok).toBe(true);
    expect(verifySignedWebhook([NEW], s.body, { ...s.headers, 'webhook-timestamp': 'soon' })).toMatchObject({ ok: false, error: 'stale_timestamp' });
  });
});

describe('webhookSecretsFromEnv', () => {
  test('one list per provider, separated by spaces or commas; malformed secrets stop the start', () => {
    expect(webhookSecretsFromEnv({ BOXFLOW_WEBHOOK_SECRETS_PAYMENT: `${NEW}, ${OLD}`, BOXFLOW_WEBHOOK_SECRETS_SF: NEW })).toEqual({ payment: [NEW, OLD], sf: [NEW] });
    expect(webhookSecretsFromEnv({})).toEqual({});
    expect(() => webhookSecretsFromEnv({ BOXFLOW_WEBHOOK_SECRETS_DHL: 'whsec_short' })).toThrow(/BOXFLOW_WEBHOOK_SECRETS_DHL/);
  });
});
