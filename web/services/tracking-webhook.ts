import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../db/knex';
import { findShipmentByWaybill, recordTrackingEvent } from '../../db/tracking';
import { normalizeCarrierStatus } from '../../domain/tracking';
import type { CarrierCode, ValidationIssue } from '../../domain/types';
import { trackingUpdatedSignal } from '../../workflows/order/messages';
import type { TemporalGateway } from './order-intake';

const CARRIERS: CarrierCode[] = ['SF', 'YTO', 'DHL', 'FEDEX'];
const KEYS = ['eventId', 'trackingNo', 'status', 'occurredAt', 'description', 'location'];
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export type WebhookResult =
  | { kind: 'accepted'; body: { accepted: true; duplicate: boolean; shipmentId: string; status: string } }
  | { kind: 'invalid'; issues: ValidationIssue[] }
  | { kind: 'not_found'; message: string }
  | { kind: 'replayed' };

/**
 * P3.1 POST /api/webhooks/tracking/:carrier: a carrier pushes a scan. Stored once per event id
 * (the same table the polls fill), normalized, the raw event kept; then the parcel's tracking
 * workflow is nudged to look now.
 */
export async function receiveTrackingWebhook(
  db: Db,
  temporal: TemporalGateway,
  carrierParam: string,
  body: unknown,
  /** Called once the event is found acceptable, before anything is stored: false = a replayed message, nothing stored. */
  claim?: () => Promise<boolean>,
): Promise<WebhookResult> {
  const carrier = CARRIERS.find((c) => c === carrierParam.toUpperCase());
  const issues: ValidationIssue[] = [];
  if (!carrier) issues.push({ path: 'carrier', message: `must be one of ${CARRIERS.join(', ')}` });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'invalid', issues: [...issues, { path: '', message: 'body must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!KEYS.includes(k)) issues.push({ path: k, message: 'is not a known field' });
  const text = (k: string, max: number, required: boolean) => {
    const v = b[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || !v.trim() || v.length > max || CONTROL.test(v)) {
      issues.push({ path: k, message: `must be a string of 1–${max} characters` });
      return undefined;
    }
    return v;
  };
  const eventId = text('eventId', 100, true);
  const trackingNo = text('trackingNo', 64, true);
  const status = text('status', 100, true);
  const occurredAt = text('occurredAt', 40, true);
  const description = text('description', 500, false);
  const location = text('location', 200, false);
  if (occurredAt && Number.isNaN(Date.parse(occurredAt))) issues.push({ path: 'occurredAt', message: 'must be an ISO 8601 time' });
  if (issues.length || !carrier) return { kind: 'invalid', issues };

  const shipment = await findShipmentByWaybill(db, carrier, trackingNo!);
  if (!shipment) return { kind: 'not_found', message: `no ${carrier} shipment with waybill ${trackingNo}` };
  const normalized = normalizeCarrierStatus(carrier, status!);
  if (claim && !(await claim())) return { kind: 'replayed' };
  const isNew = await recordTrackingEvent(db, {
    shipmentId: shipment.id, carrier, eventId: eventId!, status: normalized, rawStatus: status!, description, location,
    occurredAt: new Date(occurredAt!).toISOString(), raw: b, receivedVia: 'webhook',
  });
  if (isNew) {
    try {
      await temporal.client.workflow.getHandle(`track-${shipment.id}`).signal(trackingUpdatedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // stored; a closed tracking has nothing to nudge
    }
  }
  return { kind: 'accepted', body: { accepted: true, duplicate: !isNew, shipmentId: shipment.id, status: normalized } };
}
