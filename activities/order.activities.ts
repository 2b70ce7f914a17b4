import { getCatalogItems } from '../db/catalog';
import { appendEvent } from '../db/events';
import { getOrder, getOrderLines, setOrderStatus } from '../db/orders';
import { validateAgainstCatalog } from '../domain/order-validation';
import type { OrderInput, OrderStatus, ValidationIssue } from '../domain/types';
import type { ActivityDeps } from './deps';

export interface StatusChange {
  orderNo: string;
  status: OrderStatus;
  detail?: string;
  data?: Record<string, unknown>;
  /** From the workflow: the same change retried writes once. */
  dedupeKey: string;
}

export function createOrderActivities({ db }: ActivityDeps) {
  return {
    /** P2.1 / P2.2: every transition is written with its time, for the timeline and the list. */
    async recordStatus(change: StatusChange): Promise<void> {
      await setOrderStatus(db, change);
    },

    async recordEvent(e: { orderNo: string; type: string; detail: string; data?: Record<string, unknown>; dedupeKey: string }): Promise<void> {
      await appendEvent(db, e);
    },

    /**
     * P1.1 again at the warehouse's door: the API checked the order against the catalog when it
     * arrived; the catalog may have changed since.
     */
    async confirmOrderAgainstCatalog(orderNo: string): Promise<{ issues: ValidationIssue[] }> {
      const order = await getOrder(db, orderNo);
      if (!order) throw new Error(`order ${orderNo} is not in the database`);
      const lines = await getOrderLines(db, orderNo);
      const catalog = await getCatalogItems(db, lines.map((l) => l.sku));
      const asInput = { orderNo, currency: order.currency, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })) } as OrderInput;
      return { issues: validateAgainstCatalog(asInput, catalog) };
    },
  };
}
