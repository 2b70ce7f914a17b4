import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
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
  atRisk: key('BoxflowAtRisk', 'BOOL'),
};

/** Thrown inside the flow when a decision (or a failed payment) ends the order: compensate, then stop. */
export class OrderCancellation extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = 'OrderCancellation';
  }
}

/** What every step of one order shares: the order, its policy, its progress and the status writer. */
export class OrderContext {
  readonly orderNo: string;
  readonly progress: OrderProgress;
  serviceLevel: 'standard' | 'express' = 'standard';
  /** Set when hand-over to the carrier begins: from then on, no cancellation (returns instead). */
  handedOver = false;
  private seq = 0;

  constructor(
    readonly order: OrderInput,
    readonly policy: FulfillmentPolicy,
  ) {
    this.orderNo = order.orderNo;
    this.progress = { orderNo: order.orderNo, status: 'received', waitingFor: null, shipments: [], openTasks: [] };
  }

  /** A key unique within this run, for activities that must write once however often they retry. */
  nextKey(what: string): string {
    return `${this.orderNo}:${workflowInfo().runId}:${++this.seq}:${what}`;
  }

  async moveTo(status: OrderStatus, detail?: string, data?: Record<string, unknown>): Promise<void> {
    this.progress.status = status;
    upsertSearchAttributes([{ key: SA.status, value: status }]);
    await db.recordStatus({ orderNo: this.orderNo, status, detail, data, dedupeKey: this.nextKey(status) });
  }

  async note(type: string, detail: string, data?: Record<string, unknown>): Promise<void> {
    await db.recordEvent({ orderNo: this.orderNo, type, detail, data, dedupeKey: this.nextKey(type) });
  }
}
