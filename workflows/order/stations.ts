import { condition, patched, setHandler } from '@temporalio/workflow';
import { boxFromCode, damageReportProblem, packReportProblem, pickReportProblem, STATION_DEADLINES_MS, stationDueAt, StationStep, UnitCount } from '../../domain/stations';
import type { CarrierCode } from '../../domain/types';
import type { TaskKind } from '../../domain/types';
import { db } from './activities';
import { OrderCancellation, OrderContext } from './context';
import { HandOverScan, PackReport, PickReport, StationAck, stationHandOverUpdate, stationPackUpdate, stationPickUpdate } from './messages';
import type { TaskDesk } from './task-desk';

/**
 * Orders whose policy says `warehouse: 'stations'` wait for people at the pick, pack and hand-over
 * stations. (Orders started before it, and every `auto` order, never reach this code: no marker.)
 */
export const STATIONS_PATCH = 'warehouse-stations';

/**
 * Station deadlines relative to the carrier's pickup cut-off (domain/stations stationDueAt) for
 * orders whose policy carries `stationCutoffs`; orders from before keep their fixed deadlines.
 */
export const CUTOFF_DEADLINES_PATCH = 'station-deadlines-by-cutoff';

/** A parcel as the pack and hand-over stations know it. */
export interface StationParcel {
  shipmentId: string;
  parcelIndex: number;
  /** What its items weigh (the pack station adds the box and compares with the scale). */
  itemsGrams: number;
  suggestedBox: string;
  carrier?: string;
  waybillNo?: string;
}

/**
 * A hand-over a run leaves to the next (continue-as-new after missed pickups): the round's booked
 * parcels, its lines (they leave the shelf once every parcel is scanned), and what was scanned.
 */
export interface HandOverResume {
  parcels: StationParcel[];
  lineIds: number[];
  handedOver: string[];
  rolls: number;
}

/** Where the order stands on the floor. */
export interface StationState {
  step: StationStep | null;
  expected: UnitCount[];
  parcels: StationParcel[];
  picked: boolean;
  /** P1.4: the units the picker reported damaged with the last pick (their photos' references). */
  damaged: Array<{ sku: string; photo?: string }>;
  /** Who picked last. */
  pickedBy?: string;
  packed: string[];
  handedOver: string[];
  /** Pickups a parcel of this round has missed. */
  rolls: number;
}

const TASK: Record<StationStep, TaskKind> = { pick: 'pick_overdue', pack: 'pack_overdue', handover: 'handover_missed' };
const WHERE: Record<StationStep, string> = {
  pick: 'the pick station: pick and scan every unit (P1.8, P1.4)',
  pack: 'the pack station: box and weigh each parcel (P1.5)',
  handover: 'the courier pickup: scan each parcel out (P2.2)',
};
const STEP_REF: Record<StationStep, string> = { pick: 'P1.8', pack: 'P1.5', handover: 'P2.2' };

/**
 * The order's side of the warehouse stations. Each human step is a durable wait for an update from
 * a station; the validators refuse a wrong message (not this step, a foreign item, an extra unit, a
 * weight out of tolerance, a waybill not of this order) with the reason and change nothing. Past
 * a step's deadline a supervisor task opens (pick_overdue, pack_overdue, handover_missed) while the
 * wait goes on; the station finishing the step withdraws it. Only the hand-over scan moves a parcel
 * to shipped.
 */
export class Stations {
  readonly state: StationState;
  /** Station messages being written right now. */
  private busy = 0;

  constructor(
    private readonly ctx: OrderContext,
    private readonly desk: TaskDesk,
    /** Why no station message is taken now (a cancellation under way, the order ended), or undefined. */
    private readonly refusal: () => string | undefined,
    carried?: StationState,
  ) {
    this.state = carried ?? { step: null, expected: [], parcels: [], picked: false, damaged: [], packed: [], handedOver: [], rolls: 0 };
    setHandler(stationPickUpdate, (r) => this.onPick(r), { validator: (r) => this.checkPick(r) });
    setHandler(stationPackUpdate, (r) => this.onPack(r), { validator: (r) => this.checkPack(r) });
    setHandler(stationHandOverUpdate, (r) => this.onHandOver(r), { validator: (r) => this.checkHandOver(r) });
  }

  /** A parcel of this order has been scanned out: from here the order can no longer be cancelled. */
  get handOverStarted(): boolean {
    return this.state.handedOver.length > 0;
  }

  /**
   * P1.8 / P1.4: waits until the pick station reports every unit of the pick list picked and checked.
   * `atRoll` runs after each overdue round a supervisor let go on (the run may continue as new there).
   */
  async pick(expected: UnitCount[], atRoll?: () => Promise<void>, carrier?: CarrierCode): Promise<void> {
    this.state.expected = expected;
    this.state.picked = false;
    this.state.damaged = [];
    await this.waitAt('pick', () => this.state.picked && this.busy === 0, { units: expected }, atRoll, carrier);
  }

  /** P1.5: waits until every parcel is packed and weighed within tolerance. `carrier`: the one whose cut-off it works to. */
  async pack(parcels: StationParcel[], carrier?: CarrierCode): Promise<void> {
    this.state.parcels = parcels;
    this.state.packed = [];
    await this.waitAt('pack', () => parcels.every((p) => this.state.packed.includes(p.shipmentId)) && this.busy === 0, { shipmentIds: parcels.map((p) => p.shipmentId) }, undefined, carrier);
  }

  /**
   * P2.2: waits until the courier's scan has taken every booked parcel; a missed pickup rolls to the
   * next. `resume`: what a previous run scanned; `atRoll(state)` runs after each missed pickup with
   * what a next run needs (the run may continue as new there).
   */
  async handOver(parcels: StationParcel[], opts: { resume?: Pick<HandOverResume, 'handedOver' | 'rolls'>; atRoll?: (state: Pick<HandOverResume, 'parcels' | 'handedOver' | 'rolls'>) => Promise<void> } = {}): Promise<void> {
    this.state.parcels = parcels;
    this.state.handedOver = [...(opts.resume?.handedOver ?? [])];
    this.state.rolls = opts.resume?.rolls ?? 0;
    if (this.handOverStarted) this.ctx.handedOver = true;
    const atRoll = opts.atRoll;
    await this.waitAt(
      'handover',
      () => parcels.every((p) => this.state.handedOver.includes(p.shipmentId)) && this.busy === 0,
      { parcels: parcels.map((p) => ({ shipmentId: p.shipmentId, carrier: p.carrier ?? null, waybillNo: p.waybillNo ?? null })) },
      atRoll && (() => atRoll({ parcels, handedOver: [...this.state.handedOver], rolls: this.state.rolls })),
      parcels.find((p) => p.carrier)?.carrier as CarrierCode | undefined,
    );
  }

  private async waitAt(step: StationStep, done: () => boolean, context: Record<string, unknown>, atRoll?: () => Promise<void>, carrier?: CarrierCode): Promise<void> {
    const { ctx } = this;
    const fixedMs = ctx.policy.stationDeadlineMs?.[step] ?? Math.round(STATION_DEADLINES_MS[step] * ctx.policy.timeScale);
    // Relative to the carrier's pickup cut-off (recomputed each round: a round past it aims at the next pickup).
    const rules = ctx.policy.stationCutoffs;
    const byCutoff = rules && carrier && rules.cutoffs[carrier] && patched(CUTOFF_DEADLINES_PATCH) ? { rules, carrier } : undefined;
    let deadlineMs = fixedMs;
    let why: string | undefined;
    const nextDeadline = () => {
      if (!byCutoff) return;
      const due = stationDueAt(step, byCutoff.carrier, Date.now(), byCutoff.rules);
      deadlineMs = Math.max(1, due.dueAtMs - Date.now());
      why = due.reason;
    };
    nextDeadline();
    this.state.step = step;
    await db.setStationStep({ orderNo: ctx.orderNo, step, dueAt: new Date(Date.now() + deadlineMs).toISOString() });
    ctx.progress.waitingFor = WHERE[step];
    for (;;) {
      if (await condition(done, deadlineMs)) break;
      // Overdue: a supervisor decides, while the station may still finish the step.
      let decision: string | undefined;
      const missing = step === 'handover' ? this.state.parcels.filter((p) => !this.state.handedOver.includes(p.shipmentId)).map((p) => `${p.carrier ?? ''} ${p.waybillNo ?? p.shipmentId}`.trim()) : [];
      const asking = this.desk
        .ask(TASK[step], { ...context, step, rolls: this.state.rolls, missing, ...(why ? { deadline: why } : {}) }, `${WHERE[step]}: overdue${why ? ` (${why})` : ''}`)
        .then((d) => {
          decision = d;
        });
      asking.catch(() => undefined); // cancelled with the order: handled where the flow ends
      await condition(() => done() || decision !== undefined);
      if (decision === undefined || done()) {
        await this.desk.withdrawOpen(TASK[step], 'the station finished the step');
        await asking;
        break;
      }
      if (decision === 'cancel_order') {
        if (!this.handOverStarted) throw new OrderCancellation(`${STEP_REF[step]}: ${WHERE[step]} was overdue; cancelled by decision`);
        await ctx.note('handover_missed', 'P2.2: the order cannot be cancelled, a parcel of it has been handed over; the rest waits for the next pickup');
      }
      if (step === 'handover') {
        this.state.rolls++;
        await ctx.note('handover_missed', `P2.2/P2.6: not scanned out at pickup (${missing.join(', ')}); rolls to the next pickup`, { missing, rolls: this.state.rolls });
      }
      nextDeadline();
      await db.setStationStep({ orderNo: ctx.orderNo, step, dueAt: new Date(Date.now() + deadlineMs).toISOString() });
      ctx.progress.waitingFor = WHERE[step];
      if (!done()) await atRoll?.();
    }
    this.state.step = null;
    ctx.progress.waitingFor = null;
    await db.setStationStep({ orderNo: ctx.orderNo, step: null });
  }

  private refuseUnlessAt(step: StationStep, by: unknown): void {
    const why = this.refusal();
    if (why) throw new Error(why);
    if (this.state.step !== step) {
      throw new Error(`order ${this.ctx.orderNo} is not waiting at the ${step} station${this.state.step ? ` (it waits at the ${this.state.step} station)` : ''}`);
    }
    if (typeof by !== 'string' || !by.trim()) throw new Error('who did it (by) is required');
  }

  private checkPick(r: PickReport): void {
    this.refuseUnlessAt('pick', r?.by);
    if (this.state.picked) throw new Error(`order ${this.ctx.orderNo} has been picked already`);
    const problem = pickReportProblem(this.state.expected, r.units) ?? damageReportProblem(this.state.expected, r.damaged);
    if (problem) throw new Error(problem);
  }

  private async onPick(r: PickReport): Promise<StationAck> {
    this.state.picked = true;
    this.state.damaged = (r.damaged ?? []).map((d) => ({ sku: d.sku, ...(d.photo ? { photo: String(d.photo).slice(0, 100) } : {}) }));
    this.state.pickedBy = r.by;
    this.busy++;
    const damage = this.state.damaged.length ? `; damaged: ${this.state.damaged.map((d) => d.sku).join(', ')}` : '';
    const detail = `P1.8/P1.4: ${r.units.map((u) => `${u.quantity} × ${u.sku}`).join(', ')} picked and scanned by ${r.by}${damage}`;
    try {
      await this.ctx.note('station_pick', detail, { by: r.by, units: r.units, damaged: this.state.damaged });
    } finally {
      this.busy--;
    }
    return { accepted: true, step: 'pick', detail };
  }

  private checkPack(r: PackReport): void {
    this.refuseUnlessAt('pack', r?.by);
    const parcel = this.state.parcels.find((p) => p.shipmentId === r.shipmentId);
    if (!parcel) throw new Error(`parcel ${r.shipmentId} is not a parcel of order ${this.ctx.orderNo} waiting to be packed`);
    if (this.state.packed.includes(parcel.shipmentId)) throw new Error(`parcel ${r.shipmentId} has been packed already`);
    const problem = packReportProblem(parcel.itemsGrams, r);
    if (problem) throw new Error(problem);
  }

  private async onPack(r: PackReport): Promise<StationAck> {
    const parcel = this.state.parcels.find((p) => p.shipmentId === r.shipmentId)!;
    const box = boxFromCode(r.box)!;
    this.state.packed.push(parcel.shipmentId);
    this.busy++;
    const detail = `P1.5: parcel #${parcel.parcelIndex} packed in ${box}${box !== parcel.suggestedBox ? ` (suggested: ${parcel.suggestedBox})` : ''}, ${Math.round(r.weightGrams)} g, by ${r.by}`;
    try {
      await db.recordPacked({ shipmentId: parcel.shipmentId, box, weightGrams: r.weightGrams, by: r.by });
      await this.ctx.note('station_pack', detail, { by: r.by, shipmentId: parcel.shipmentId, box, weightGrams: r.weightGrams });
    } finally {
      this.busy--;
    }
    return { accepted: true, step: 'pack', detail };
  }

  private parcelByWaybill(waybillNo: unknown): StationParcel | undefined {
    const code = String(waybillNo ?? '').trim().toUpperCase();
    return this.state.parcels.find((p) => p.waybillNo && p.waybillNo.toUpperCase() === code);
  }

  private checkHandOver(r: HandOverScan): void {
    this.refuseUnlessAt('handover', r?.by);
    const parcel = this.parcelByWaybill(r.waybillNo);
    if (!parcel) throw new Error(`waybill ${String(r.waybillNo ?? '')} is not a parcel of order ${this.ctx.orderNo} waiting for pickup`);
    if (this.state.handedOver.includes(parcel.shipmentId)) throw new Error(`waybill ${parcel.waybillNo} has been scanned out already`);
  }

  private async onHandOver(r: HandOverScan): Promise<StationAck> {
    const { ctx } = this;
    const parcel = this.parcelByWaybill(r.waybillNo)!;
    this.state.handedOver.push(parcel.shipmentId);
    this.busy++;
    // The point of no return: from the first scan, the order can no longer be cancelled (returns take over).
    ctx.handedOver = true;
    ctx.handingOver = true;
    const detail = `P2.2: parcel #${parcel.parcelIndex} (${parcel.carrier} ${parcel.waybillNo}) scanned out to the courier by ${r.by}`;
    try {
      await db.handOverParcel({ shipmentId: parcel.shipmentId, by: r.by });
      const s = ctx.progress.shipments.find((x) => x.id === parcel.shipmentId);
      if (s) s.shipped = true;
      await ctx.note('station_handover', detail, { by: r.by, shipmentId: parcel.shipmentId, waybillNo: parcel.waybillNo });
    } finally {
      this.busy--;
      if (this.busy === 0) ctx.handingOver = false;
    }
    return { accepted: true, step: 'handover', detail };
  }
}
