import { defineQuery } from '@temporalio/workflow';
import type { OrderStatus } from '../../domain/types';

export interface OrderProgress {
  orderNo: string;
  status: OrderStatus;
  /** What the workflow waits for now, in words (for the supervisor console). */
  waitingFor: string | null;
  /** The order's parcels; `shipped` once handed over to the carrier. */
  shipments: Array<{ id: string; carrier?: string; trackingNo?: string; shipped?: boolean }>;
  openTasks: Array<{ taskId: number; kind: string; options: readonly string[]; defaultOption: string; deadline: string }>;
}

export const orderProgressQuery = defineQuery<OrderProgress>('orderProgress');
