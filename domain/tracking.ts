import type { CarrierCode } from './types';

/**
 * P3.1 one tracking vocabulary over every carrier (after AfterShip's): each carrier's raw states,
 * Chinese (Kuaidi100-style, SF and YTO) or English (DHL, FedEx), map to these.
 */
export const TRACKING_STATUSES = [
  'info_received',
  'in_transit',
  'out_for_delivery',
  'attempt_failed',
  'available_for_pickup',
  'delivered',
  'exception',
  'returned_to_sender',
  'expired',
] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

const CN_STATES: Record<string, TrackingStatus> = {
  揽收: 'info_received',
  在途: 'in_transit',
  转投: 'in_transit',
  派件: 'out_for_delivery',
  签收: 'delivered',
  疑难: 'exception',
  拒签: 'exception',
  退回: 'returned_to_sender',
  退签: 'returned_to_sender',
  待取件: 'available_for_pickup',
  派送失败: 'attempt_failed',
  // Customs (Kuaidi100 states 8, 10–13): the parcel waits or moves through customs; a customs
  // problem is an exception a person decides (P3.2), like any other.
  清关: 'in_transit',
  待清关: 'in_transit',
  清关中: 'in_transit',
  已清关: 'in_transit',
  清关异常: 'exception',
};
const EXPRESS_CODES: Record<string, TrackingStatus> = {
  PU: 'info_received',
  IT: 'in_transit',
  AR: 'in_transit',
  DP: 'in_transit',
  OD: 'out_for_delivery',
  DL: 'delivered',
  DE: 'exception',
  DF: 'attempt_failed',
  HP: 'available_for_pickup',
  RS: 'returned_to_sender',
};

export const CARRIER_STATUS_MAP: Record<CarrierCode, Record<string, TrackingStatus>> = {
  SF: CN_STATES,
  YTO: CN_STATES,
  DHL: EXPRESS_CODES,
  FEDEX: EXPRESS_CODES,
};

/**
 * An unknown raw state is kept (raw event stored) and read as still in transit, never as delivered.
 * The Chinese names are Kuaidi100's vocabulary, which covers every carrier it tracks (DHL and FedEx
 * parcels followed through Kuaidi100 included).
 */
export function normalizeCarrierStatus(carrier: CarrierCode, raw: string): TrackingStatus {
  const k = raw.trim();
  const own = (m: Record<string, TrackingStatus>) => (Object.prototype.hasOwnProperty.call(m, k) ? m[k] : undefined);
  return own(CARRIER_STATUS_MAP[carrier]) ?? own(CN_STATES) ?? (TRACKING_STATUSES as readonly string[]).find((s) => s === raw) as TrackingStatus ?? 'in_transit';
}

export const FINAL_TRACKING: readonly TrackingStatus[] = ['delivered', 'returned_to_sender', 'expired'];

const H = 60 * 60 * 1000;

/** P3.2: no scan for longer than this means the parcel is late (unscaled). */
export const DELAY_THRESHOLD_MS: Record<CarrierCode, number> = { SF: 24 * H, YTO: 48 * H, DHL: 72 * H, FEDEX: 72 * H };

/** The delivery time each carrier promises from hand-over (unscaled). */
export const TRANSIT_PROMISE_MS: Record<CarrierCode, number> = { SF: 48 * H, YTO: 96 * H, DHL: 144 * H, FEDEX: 144 * H };

/** AfterShip's "expired": no news for 30 days. */
export const EXPIRE_AFTER_MS = 30 * 24 * H;

/** However often it scans, a parcel not delivered 60 days after hand-over stops being tracked (expired). */
export const TRACKING_LIFETIME_MS = 60 * 24 * H;

/** Is this exception about the address or data we gave the carrier (→ correct and resubmit, P3.2)? */
export function isAddressException(description: string | null | undefined): boolean {
  return /address|地址|收件人|phone|电话|postal|邮编/i.test(description ?? '');
}

export interface DelayCheck {
  nowMs: number;
  lastScanMs: number;
  promisedMs: number | null;
  thresholdMs: number;
}

/** P3.2 late: no scan for longer than the carrier's threshold, or past the promised date. */
export function delayReason(c: DelayCheck): string | null {
  if (c.nowMs - c.lastScanMs > c.thresholdMs) return `no scan for ${Math.round((c.nowMs - c.lastScanMs) / 60000)} min (threshold ${Math.round(c.thresholdMs / 60000)} min)`;
  if (c.promisedMs !== null && c.nowMs > c.promisedMs) return `past the promised delivery time ${new Date(c.promisedMs).toISOString()}`;
  return null;
}
