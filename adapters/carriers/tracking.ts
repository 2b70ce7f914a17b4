import type { CarrierCode } from '../../domain/types';

/**
 * P3.1 tracking feed of a carrier (SF routes API, YTO, DHL/FedEx tracking): the raw events of one
 * waybill. A live client implements this per carrier; the sandbox below plays scripted scenarios.
 */
export interface RawTrackingEvent {
  eventId: string;
  rawStatus: string;
  description: string;
  location: string;
  occurredAt: string;
}

export interface CarrierTracker {
  /** `asOf` (epoch ms): the workflow's clock; the sandbox plays its script up to it (a live carrier ignores it). */
  track(req: { carrier: CarrierCode; trackingNo: string; shipmentId: string; shippedAt: string; scenario: SandboxTrackingScenario; asOf?: number; phone?: string }): Promise<RawTrackingEvent[]>;
  /**
   * A live feed that pushes (Kuaidi100): ask it to push this waybill's scans to BoxFlow. Called until
   * the first scan is stored; a second subscription of the same waybill is harmless.
   */
  subscribe?(req: { carrier: CarrierCode; trackingNo: string; phone?: string; to?: string }): Promise<void>;
}

export type SandboxTrackingScenario = 'normal' | 'delay' | 'exception_address' | 'lost' | 'return_to_sender' | 'long_haul';

const H = 60 * 60 * 1000;
type Step = [hours: number, cn: string, express: string, description: string, location: string];

/** Scripted journeys, in unscaled hours after hand-over. */
const SCENARIOS: Record<SandboxTrackingScenario, Step[]> = {
  normal: [
    [0.5, '揽收', 'PU', 'Picked up by courier / 快件已揽收', 'Shanghai'],
    [6, '在途', 'IT', 'Departed sorting centre / 已离开分拨中心', 'Shanghai hub'],
    [20, '派件', 'OD', 'Out for delivery / 派件中', 'Destination city'],
    [22, '签收', 'DL', 'Delivered, signed by recipient / 已签收', 'Destination'],
  ],
  delay: [
    [0.5, '揽收', 'PU', 'Picked up by courier / 快件已揽收', 'Shanghai'],
    [6, '在途', 'IT', 'Departed sorting centre / 已离开分拨中心', 'Shanghai hub'],
    // … then nothing for days: the parcel is stuck in a hub.
    [160, '派件', 'OD', 'Out for delivery / 派件中', 'Destination city'],
    [162, '签收', 'DL', 'Delivered, signed by recipient / 已签收', 'Destination'],
  ],
  exception_address: [
    [0.5, '揽收', 'PU', 'Picked up by courier / 快件已揽收', 'Shanghai'],
    [6, '在途', 'IT', 'Departed sorting centre / 已离开分拨中心', 'Shanghai hub'],
    [12, '疑难', 'DE', 'Address incomplete, recipient cannot be reached / 地址不详,无法联系收件人', 'Destination city'],
  ],
  lost: [[0.5, '揽收', 'PU', 'Picked up by courier / 快件已揽收', 'Shanghai']],
  // A month at sea (a parcel abroad by slow freight): a scan every 4 hours for 30 days, then delivered.
  long_haul: [
    [0.5, '揽收', 'PU', 'Picked up by courier / 快件已揽收', 'Shanghai'],
    ...Array.from({ length: 180 }, (_, i): Step => [4 * (i + 1), '在途', 'IT', `In transit, scan ${i + 1} / 运输中`, i % 2 ? 'At sea' : 'Transit hub']),
    [722, '派件', 'OD', 'Out for delivery / 派件中', 'Destination city'],
    [724, '签收', 'DL', 'Delivered, signed by recipient / 已签收', 'Destination'],
  ],
  return_to_sender: [
    [0.5, '揽收', 'PU', 'Picked up by courier / 快件已揽收', 'Shanghai'],
    [6, '在途', 'IT', 'Departed sorting centre / 已离开分拨中心', 'Shanghai hub'],
    [12, '退回', 'RS', 'Refused by recipient, returning to sender / 收件人拒收,退回寄件人', 'Destination city'],
  ],
};

/** Sandbox: events appear on the script's schedule, multiplied by BOXFLOW_TIME_SCALE. */
export function createSandboxTracker(timeScale: number, now: () => number = Date.now): CarrierTracker {
  return {
    async track({ carrier, trackingNo, shippedAt, scenario, asOf }) {
      const until = asOf ?? now();
      const start = Date.parse(shippedAt);
      const chinese = carrier === 'SF' || carrier === 'YTO';
      return SCENARIOS[scenario]
        .map(([hours, cn, express, description, location], i) => ({
          eventId: `${trackingNo}-${i + 1}`,
          rawStatus: chinese ? cn : express,
          description,
          location,
          occurredAt: new Date(start + hours * H * timeScale).toISOString(),
        }))
        .filter((e) => Date.parse(e.occurredAt) <= until);
    },
  };
}
