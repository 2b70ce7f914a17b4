import { WorkflowNotFoundError } from '@temporalio/client';
import { kuaidi100CallbackSign, kuaidi100Events, Kuaidi100Result, sameSign } from '../../adapters/carriers/kuaidi100';
import type { Db } from '../../db/knex';
import { findShipmentByWaybill, recordTrackingEvent } from '../../db/tracking';
import { carrierOfKuaidi100Company } from '../../domain/kuaidi100';
import { normalizeCarrierStatus } from '../../domain/tracking';
import { trackingUpdatedSignal } from '../../workflows/order/messages';
import type { TemporalGateway } from './order-intake';

/** What BoxFlow answers Kuaidi100: success only once the scans are stored and the parcel's tracking nudged. */
export const KUAIDI100_OK = { result: true, returnCode: '200', message: '成功' } as const;

export type Kuaidi100PushResult =
  | { kind: 'accepted'; stored: number; shipmentId: string; status: string | null }
  | { kind: 'refused'; http: 400 | 401 | 404; error: string; returnCode: string; message: string };

/** Refused: Kuaidi100's own fields (result false: it pushes again later) and BoxFlow's `error` code. */
const refused = (http: 400 | 401 | 404, error: string, message: string): Kuaidi100PushResult => ({ kind: 'refused', http, error, returnCode: String(http), message });

/**
 * P3.1 Kuaidi100's push (快递信息推送): a form with `param` (JSON) and `sign` = upper(MD5(param +
 * salt)), any of the shop's salts. Order of checks, so that a refused push writes nothing: configured salt and sign (401) →
 * JSON and lastResult (400) → the waybill is one of ours (404) → scans stored once each (tracking_events,
 * shared with the poll; Kuaidi100 resends the whole history with every push) → the parcel's tracking
 * workflow signalled to look now. Only then is the answer success; a failure before that makes
 * Kuaidi100 push again.
 */
export async function receiveKuaidi100Push(db: Db, temporal: TemporalGateway, salts: readonly string[], rawBody: string): Promise<Kuaidi100PushResult> {
  if (!salts.length) return refused(401, 'webhook_not_configured', 'Kuaidi100 pushes are not configured (BOXFLOW_KUAIDI100_SALT)');
  const form = new URLSearchParams(rawBody);
  const param = form.get('param');
  const sign = form.get('sign');
  if (!param || !sign) return refused(401, 'missing_signature', 'param and sign are required (form fields)');
  if (param.length > 200_000 || !/^[0-9A-Fa-f]{32}$/.test(sign) || !salts.some((salt) => sameSign(sign, kuaidi100CallbackSign(param, salt)))) return refused(401, 'bad_signature', 'sign does not match MD5(param + salt)');

  let body: { status?: string; message?: string; lastResult?: Kuaidi100Result };
  try {
    body = JSON.parse(param);
  } catch {
    return refused(400, 'invalid_json', 'param is not JSON');
  }
  const last = body?.lastResult;
  if (typeof last !== 'object' || last === null || typeof last.nu !== 'string' || !last.nu.trim() || last.nu.length > 64) return refused(400, 'validation_failed', 'lastResult.nu is required (1–64 characters)');
  if (last.data !== undefined && !Array.isArray(last.data)) return refused(400, 'validation_failed', 'lastResult.data must be a list');
  const carrier = carrierOfKuaidi100Company(last.com);
  if (!carrier) return refused(400, 'validation_failed', `unknown company ${String(last.com ?? '').slice(0, 40)}`);
  const shipment = await findShipmentByWaybill(db, carrier, last.nu);
  if (!shipment) return refused(404, 'not_found', `no ${carrier} shipment with waybill ${last.nu}`);

  let stored = 0;
  let status: string | null = null;
  for (const e of kuaidi100Events(last.nu, last)) {
    status = normalizeCarrierStatus(carrier, e.rawStatus);
    const isNew = await recordTrackingEvent(db, {
      shipmentId: shipment.id, carrier, eventId: e.eventId, status: normalizeCarrierStatus(carrier, e.rawStatus), rawStatus: e.rawStatus,
      description: e.description, location: e.location, occurredAt: e.occurredAt, raw: { ...e, kuaidi100: { status: body.status, state: last.state } }, receivedVia: 'webhook',
    });
    if (isNew) stored++;
  }
  if (stored) {
    try {
      await temporal.client.workflow.getHandle(`track-${shipment.id}`).signal(trackingUpdatedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // stored; a closed tracking has nothing to nudge
    }
  }
  return { kind: 'accepted', stored, shipmentId: shipment.id, status };
}
