import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeType } from '@temporalio/common';
import type { FulfillmentPolicy } from '../../domain/policy';
import type { OrderInput, OrderStatus } from '../../domain/types';
import { db } from './activities';
import type { OrderProgress } from './state';

const key = <T extends SearchAttributeType>(name: string, type: T) => ({ name, type });
export const SA = {
  status: key('BoxflowOrderStatus', 'KEYWORD'),
  type: key('BoxflowOrderType', 'KEYWORD'),
  carrier: key('BoxflowCarrier', 'KEYWORD'),
  /** Every carrier the order's parcels travel with (BoxflowCarrier holds only the latest). */
  carriers: key('BoxflowCarriers', 'KEYWORD_LIST'),
  atRisk: key('BoxflowAtRisk', 'BOOL'),
};

/** Thrown inside the flow when a decision (or a failed payment) ends the order: compensate, then stop. */
export class OrderCancellation extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = 'OrderCancellation';
  }
}

/** What an order's context carries from one run to the next (continue-as-new). */
export interface ContextState {
  progress: OrderProgress;
  seq: number;
  serviceLevel: 'standard' | 'express';
  handedOver: boolean;
  /** The order runs its steps merged (patch `merged-steps`), decided once at its start; absent in older runs. */
  merged?: boolean;
}

/**
 * Keys for activities that must write once however often they retry: `<orderNo>:<seq>:<what>`.
 * No run id in them: `temporal workflow reset` re-runs steps in a new run with the same sequence,
 * and their writes must deduplicate against the first run's; the sequence is carried across
 * continue-as-new, so a later run never reuses a key. (Runs before this change used run ids.)
 */
export function stepKey(scope: string, seq: number, what: string): string {
  return `${scope}:${seq}:${what}`;
}

/** What every step of one order shares: the order, its policy, its progress and the status writer. */
export class OrderContext {
  readonly orderNo: string;
  readonly progress: OrderProgress;
  serviceLevel: 'standard' | 'express' = 'standard';
  /** Set when the first hand-over to the carrier begins (the P2.8 ship-by clock stops there). */
  handedOver = false;
  /** True while parcels are being handed over: no cancellation can come between. */
  handingOver = false;
  /** Steps merged into fewer activities (MERGED_STEPS_PATCH), fixed at the order's start and carried across runs. */
  merged = false;
  private seq = 0;

  constructor(
    readonly order: OrderInput,
    readonly policy: FulfillmentPolicy,
    carried?: ContextState,
    /** Prefix of this workflow's step keys (another workflow acting on the order uses its own). */
    private readonly keyScope: string = order.orderNo,
  ) {
    this.orderNo = order.orderNo;
    this.progress = carried?.progress ?? { orderNo: order.orderNo, status: 'received', waitingFor: null, shipments: [], openTasks: [] };
    if (carried) {
      this.seq = carried.seq;
      this.serviceLevel = carried.serviceLevel;
      this.handedOver = carried.handedOver;
      this.merged = carried.merged === true;
    }
  }

  state(): ContextState {
    return { progress: { ...this.progress, waitingFor: null, openTasks: [] }, seq: this.seq, serviceLevel: this.serviceLevel, handedOver: this.handedOver, ...(this.merged ? { merged: true } : {}) };
  }

  /** A key unique within this order's workflow (across its runs), for activities that must write once. */
  nextKey(what: string): string {
    return stepKey(this.keyScope, ++this.seq, what);
  }

  /** The parcels that have left the warehouse (their tracking has started or will). */
  get shippedParcels(): number {
    return this.progress.shipments.filter((s) => s.shipped).length;
  }

  async moveTo(status: OrderStatus, detail?: string, data?: Record<string, unknown>): Promise<void> {
    this.progress.status = status;
    upsertSearchAttributes([{ key: SA.status, value: status }]);
    await db.recordStatus({ orderNo: this.orderNo, status, detail, data, dedupeKey: this.nextKey(status) });
  }

  /**
   * A status row for a merged step to write inside its own transaction (its key taken now, in the
   * order the statuses happen). Call `arrived` once the step has written it.
   */
  statusWrite(status: OrderStatus, detail?: string, data?: Record<string, unknown>): { status: OrderStatus; detail?: string; data?: Record<string, unknown>; dedupeKey: string } {
    return { status, detail, ...(data ? { data } : {}), dedupeKey: this.nextKey(status) };
  }

  /** The order is at `status`, written by a merged step: progress and the search attribute follow. */
  arrived(status: OrderStatus): void {
    this.progress.status = status;
    upsertSearchAttributes([{ key: SA.status, value: status }]);
  }

  async note(type: string, detail: string, data?: Record<string, unknown>): Promise<void> {
    await db.recordEvent({ orderNo: this.orderNo, type, detail, data, dedupeKey: this.nextKey(type) });
  }
}
