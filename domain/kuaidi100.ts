import { normalizeCarrierStatus, TrackingStatus } from './tracking';
import type { CarrierCode } from './types';

/**
 * P3.1 Kuaidi100's parcel states (快递100 "state", the same in the real-time query and the push
 * callback's lastResult) and the few sub-states (resultv2=4 "statusCode") BoxFlow tells apart, mapped
 * to the Chinese state names the carriers' mapping knows (domain/tracking.ts), and through it to
 * BoxFlow's tracking vocabulary.
 *
 * Pure: no Node APIs (the tracking activity and the callback route both use it).
 */
export const KUAIDI100_STATES: Readonly<Record<string, string>> = Object.freeze({
  '0': '在途',
  '1': '揽收',
  '2': '疑难',
  '3': '签收',
  '4': '退签',
  '5': '派件',
  '6': '退回',
  '7': '转投',
  '8': '清关',
  '10': '待清关',
  '11': '清关中',
  '12': '已清关',
  '13': '清关异常',
  '14': '拒签',
});

/** Sub-states worth their own status: at a locker or station (available for pickup), a failed delivery. */
export const KUAIDI100_SUB_STATES: Readonly<Record<string, string>> = Object.freeze({
  '501': '待取件', // 派件 → 投柜或驿站
  '204': '派送失败', // 疑难 → 派件异常
});

/**
 * The Chinese state name of a Kuaidi100 state (and sub-state, when it has its own meaning). An
 * unknown code is returned as `kuaidi100:<code>` (kept as the raw status; it reads as in transit,
 * never as delivered).
 */
export function kuaidi100StateName(state: string | number | null | undefined, subState?: string | number | null): string {
  const own = (m: Readonly<Record<string, string>>, k: string) => (k && Object.prototype.hasOwnProperty.call(m, k) ? m[k] : undefined);
  const sub = subState === undefined || subState === null ? '' : String(subState).trim();
  const s = state === undefined || state === null ? '' : String(state).trim();
  return own(KUAIDI100_SUB_STATES, sub) ?? own(KUAIDI100_STATES, s) ?? `kuaidi100:${s || '?'}`;
}

/** BoxFlow's tracking status of a Kuaidi100 state for a parcel of this carrier. */
export function kuaidi100TrackingStatus(carrier: CarrierCode, state: string | number | null | undefined, subState?: string | number | null): TrackingStatus {
  return normalizeCarrierStatus(carrier, kuaidi100StateName(state, subState));
}

/** Kuaidi100's company codes (快递公司编码) of BoxFlow's carriers. */
export const KUAIDI100_COMPANY: Readonly<Record<CarrierCode, string>> = Object.freeze({ SF: 'shunfeng', YTO: 'yuantong', DHL: 'dhl', FEDEX: 'fedex' });

export function carrierOfKuaidi100Company(com: string | null | undefined): CarrierCode | undefined {
  const c = (com ?? '').trim().toLowerCase();
  return (Object.keys(KUAIDI100_COMPANY) as CarrierCode[]).find((k) => KUAIDI100_COMPANY[k] === c);
}
