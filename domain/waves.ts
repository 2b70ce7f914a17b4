/**
 * P1.8 / P1.9 waves: the day's floor work grouped by carrier pickup cut-off (SF 18:00 … FedEx
 * 15:30), the most urgent first; a pick list per wave sorted by bin location. Pure.
 */
import { CARRIER_NAMES } from './carriers';
import { DEFAULT_CUTOFFS, DEFAULT_UTC_OFFSET_MINUTES, formatLocal, plannedShipDate } from './scheduling';
import { STATION_LEAD_MS, type StationStep } from './stations';
import type { CarrierCode } from './types';

export interface FloorLine {
  sku: string;
  name: string;
  quantity: number;
  bin: string | null;
  barcode: string | null;
}

export interface FloorOrder {
  orderNo: string;
  step: StationStep;
  /** The carrier booked, or the one the carrier rule will pick (not booked before packing). */
  carrier: CarrierCode;
  since: string | null;
  due: string | null;
  lines: FloorLine[];
}

export interface Wave {
  /** `<local date of the cut-off>:<carrier>`, e.g. 2026-12-03:YTO. */
  key: string;
  carrier: CarrierCode;
  cutoffAtMs: number;
  /** Local 'YYYY-MM-DD HH:mm' (UTC+8). */
  cutoffLabel: string;
  counts: Record<StationStep, number>;
  units: number;
  orders: FloorOrder[];
}

/** The wave an order belongs to now: its carrier's next pickup cut-off. */
export function waveOf(carrier: CarrierCode, nowMs: number, utcOffsetMinutes = DEFAULT_UTC_OFFSET_MINUTES): { key: string; cutoffAtMs: number; cutoffLabel: string } {
  const { shipAtMs } = plannedShipDate(nowMs, DEFAULT_CUTOFFS[carrier], utcOffsetMinutes);
  const label = formatLocal(shipAtMs, utcOffsetMinutes);
  return { key: `${label.slice(0, 10)}:${carrier}`, cutoffAtMs: shipAtMs, cutoffLabel: label };
}

/**
 * Whether `key` has the shape of a wave key (`2026-12-03:YTO`: a real calendar date, then a carrier
 * we ship with); its parts when it does. Says nothing about whether that wave is on the floor now.
 */
export function parseWaveKey(key: unknown): { date: string; carrier: CarrierCode } | undefined {
  if (typeof key !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}):([A-Z]{2,10})$/.exec(key);
  if (!m || !Object.hasOwn(CARRIER_NAMES, m[4])) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (daysInMonth === undefined || d < 1 || d > daysInMonth) return undefined;
  return { date: key.slice(0, 10), carrier: m[4] as CarrierCode };
}

/** Groups the floor's orders into waves, the earliest cut-off first (ties: carrier code). */
export function buildWaves(orders: readonly FloorOrder[], nowMs: number): Wave[] {
  const byKey = new Map<string, Wave>();
  for (const o of orders) {
    const w = waveOf(o.carrier, nowMs);
    let wave = byKey.get(w.key);
    if (!wave) byKey.set(w.key, (wave = { ...w, carrier: o.carrier, counts: { pick: 0, pack: 0, handover: 0 }, units: 0, orders: [] }));
    wave.counts[o.step]++;
    wave.units += o.lines.reduce((n, l) => n + l.quantity, 0);
    wave.orders.push(o);
  }
  for (const w of byKey.values()) w.orders.sort((a, b) => stepRank(a.step) - stepRank(b.step) || (a.due ?? '').localeCompare(b.due ?? '') || a.orderNo.localeCompare(b.orderNo));
  return [...byKey.values()].sort((a, b) => a.cutoffAtMs - b.cutoffAtMs || a.carrier.localeCompare(b.carrier));
}

/**
 * Waves falling behind (P1.8, P1.9): their pack-by time (`packLeadMs` before the cut-off) has passed
 * and orders are still at the pick or pack station. What a shift lead watches before the courier comes.
 */
export function wavesBehindOnPacking(waves: readonly Wave[], nowMs: number, packLeadMs: number = STATION_LEAD_MS.pack): Array<{ key: string; carrier: CarrierCode; cutoffAtMs: number; notPacked: number }> {
  return waves
    .filter((w) => w.cutoffAtMs - packLeadMs <= nowMs)
    .map((w) => ({ key: w.key, carrier: w.carrier, cutoffAtMs: w.cutoffAtMs, notPacked: w.counts.pick + w.counts.pack }))
    .filter((w) => w.notPacked > 0);
}

const stepRank = (s: StationStep) => ({ pick: 0, pack: 1, handover: 2 })[s];

/** Bin locations in walking order: "A-02-1" before "A-10-1"; an item without a bin last. */
export function compareBins(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b, 'en', { numeric: true });
}

export interface PickListRow extends FloorLine {
  orderNo: string;
}

/** The wave's pick list: every unit still to pick, sorted by bin, then SKU, then order. */
export function pickList(wave: Pick<Wave, 'orders'>): PickListRow[] {
  const rows: PickListRow[] = [];
  for (const o of wave.orders) if (o.step === 'pick') for (const l of o.lines) rows.push({ ...l, orderNo: o.orderNo });
  return rows.sort((a, b) => compareBins(a.bin, b.bin) || a.sku.localeCompare(b.sku) || a.orderNo.localeCompare(b.orderNo));
}
