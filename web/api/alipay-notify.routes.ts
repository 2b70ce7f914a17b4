import express, { Router } from 'express';
import { chargeStatusOf, checkAlipayNotice, createAlipaySdk } from '../../adapters/payments/alipay';
import { fromCents } from '../../adapters/payments/money';
import type { AlipaySettings } from '../../config/providers';
import type { Db } from '../../db/knex';
import { getCharge } from '../../db/payments';
import { claimWebhookEvent, releaseWebhookEvent } from '../../db/webhook-events';
import type { TemporalGateway } from '../services/order-intake';
import { checkAgainstCharge, deliverPaymentResult } from '../services/payment-webhook';

/**
 * POST /api/webhooks/alipay: Alipay's asynchronous notification (异步通知, notify_type
 * trade_status_sync), form-encoded, signed RSA2 with Alipay's key. Alipay counts it delivered when the
 * body is exactly `success`; anything else makes it send again later (up to 8 times over 25 hours).
 *
 * Order of checks, so that a refused notification writes nothing: the signature (SDK
 * checkNotifySignV2 against Alipay's public key) and our app_id (401) → the fields (400) → the charge
 * BoxFlow recorded for out_trade_no: same reference, same total_amount in fen, CNY (404/409) → the
 * notify_id is recorded (webhook_events, provider `alipay`) → the result is signalled to the order's
 * workflow (or, for a cancelled order, its late-payment settlement). `success` only once Temporal has
 * taken the signal; if it could not, the notify_id is released and Alipay's retry gets through.
 */
export function alipayNotifyApi(db: Db, temporal: TemporalGateway, alipay: AlipaySettings | undefined): Router {
  const r = Router();
  const sdk = alipay ? createAlipaySdk(alipay) : undefined;
  const fail = (res: express.Response, status: number, reason: string) => res.status(status).type('text/plain').set('x-boxflow-reason', reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 300)).send('fail');

  r.post('/', express.raw({ type: () => true, limit: '100kb' }), async (req, res) => {
    if (!sdk || !alipay) return void fail(res, 404, 'alipay_not_configured');
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const fields: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      if (k in fields) return void fail(res, 400, `duplicate field ${k.slice(0, 40)}`);
      fields[k] = v;
    }
    const check = checkAlipayNotice(sdk, alipay.appId, fields);
    if (!check.ok) return void fail(res, check.error === 'invalid' ? 400 : 401, `${check.error}: ${check.message}`);
    const n = check.notice;
    const status = chargeStatusOf(n.tradeStatus);
    // WAIT_BUYER_PAY (sent only when the app subscribed to it): nothing decided yet.
    if (status === 'pending') return void res.type('text/plain').send('success');

    const against = await checkAgainstCharge(db, { orderNo: n.outTradeNo, reference: n.outTradeNo, amount: fromCents(n.totalCents), currency: 'CNY' });
    if (against.kind === 'not_found') return void fail(res, 404, against.message);
    if (against.kind !== 'ok') return void fail(res, 409, `${against.kind}: ${against.message}`);
    const charge = await getCharge(db, n.outTradeNo);
    // Already known: paid and recorded, or closed after BoxFlow closed it or after a full refund
    // (Alipay reports that as TRADE_CLOSED too). Nothing to hand over.
    if (charge && (charge.status === status || (status === 'failed' && charge.status !== 'pending'))) return void res.type('text/plain').send('success');

    const claimed = await claimWebhookEvent(db, 'alipay', n.notifyId);
    // A notify_id seen before is Alipay sending again (our `success` was lost): delivering it again
    // is harmless, the workflow records a result compare-and-set from pending.
    const result = await deliverPaymentResult(db, temporal, { orderNo: n.outTradeNo, status: status!, reference: n.outTradeNo });
    if (result.kind === 'accepted') return void res.type('text/plain').send('success');
    if (claimed) await releaseWebhookEvent(db, 'alipay', n.notifyId);
    fail(res, result.kind === 'not_found' ? 404 : 409, `${result.kind}: ${result.message}`);
  });
  return r;
}
