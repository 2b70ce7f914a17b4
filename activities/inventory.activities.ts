import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { getOrderLines } from '../db/orders';
import { commitShippedLine, getStock, releaseLine, reserveLine } from '../db/inventory';
import { allocateWaitingBackOrders, cancelBackOrdersForOrder, FilledBackOrder, listBackOrdersForOrder, registerBackOrderLines } from '../db/back-orders';
import { backOrderFilledSignal } from '../workflows/order/messages';
import { getStockoutPolicies } from '../db/catalog';
import type { StockoutPolicy } from '../domain/stockout';
import type { ActivityDeps } from './deps';

export interface Shortage {
  lineId: number;
  sku: string;
  requested: number;
  available: number;
}

export function createInventoryActivities({ db }: ActivityDeps) {
  return {
    /** P1.2: reserve each line atomically; report the lines that could not be reserved. */
    async reserveStock(orderNo: string): Promise<{ reservedLineIds: number[]; shortages: Shortage[] }> {
      const lines = await getOrderLines(db, orderNo);
      const reservedLineIds: number[] = [];
      const shortages: Shortage[] = [];
      for (const line of lines) {
        if (line.status === 'cancelled' || line.status === 'shipped') continue;
        const outcome = await reserveLine(db, line.id);
        if (outcome === 'insufficient') {
          const stock = await getStock(db, line.sku);
          shortages.push({ lineId: line.id, sku: line.sku, requested: line.quantity, available: Math.max(0, (stock?.onHand ?? 0) - (stock?.reserved ?? 0)) });
        } else if (outcome !== 'cancelled') reservedLineIds.push(line.id);
      }
      return { reservedLineIds, shortages };
    },

    /** P1.10: the stockout policy of each SKU, read at the stockout point (a SKU without one is absent: `ask`). */
    async stockoutPolicies(skus: string[]): Promise<Record<string, StockoutPolicy>> {
      return getStockoutPolicies(db, skus);
    },

    /** Compensation: give every reservation of the order back. Idempotent. */
    async releaseStock(orderNo: string): Promise<number> {
      let released = 0;
      for (const line of await getOrderLines(db, orderNo)) if (await releaseLine(db, line.id)) released += line.quantity;
      return released;
    },

    /** At hand-over (P2.2) the reserved units leave the shelf. Idempotent. */
    async commitShippedStock(orderNo: string): Promise<void> {
      for (const line of await getOrderLines(db, orderNo)) await commitShippedLine(db, line.id);
    },

    /**
     * P1.10: one waiting back-order per line (quantity = the line's), lines marked 'back_ordered'.
     * Idempotent. Then the lines' SKUs are allocated at once, first come first served: stock that came
     * back between the shortage and this call (a restock that found nothing waiting, a release) is not
     * left on the shelf. Every line filled, this order's or an older one's, is signalled to its
     * workflow with backOrderFilledSignal, so the caller may receive its own signal right away.
     */
    async registerBackOrders({ orderNo, lineIds }: { orderNo: string; lineIds: number[] }): Promise<void> {
      const wanted = new Set(lineIds);
      const lines = (await getOrderLines(db, orderNo)).filter((l) => wanted.has(l.id));
      if (lines.length !== wanted.size) {
        const known = new Set(lines.map((l) => l.id));
        throw ApplicationFailure.nonRetryable(`line(s) ${[...wanted].filter((id) => !known.has(id)).join(', ')} are not lines of order ${orderNo}`, 'UnknownOrderLine');
      }
      await registerBackOrderLines(db, lines.map((l) => ({ orderNo, lineId: l.id, sku: l.sku, quantity: l.quantity })));
      for (const sku of new Set(lines.map((l) => l.sku))) await signalBackOrdersFilled(await allocateWaitingBackOrders(db, sku));
    },

    /** Cancels the order's waiting back-orders (before releasing its stock); returns how many. */
    async cancelBackOrders(orderNo: string): Promise<number> {
      return cancelBackOrdersForOrder(db, orderNo);
    },

    /**
     * Safety net for a workflow waiting on backOrderFilledSignal: the order's back-ordered line ids
     * already filled (a signal can be lost if the sender died between commit and signal).
     */
    async filledBackOrderLines(orderNo: string): Promise<number[]> {
      return (await listBackOrdersForOrder(db, orderNo)).filter((b) => b.status === 'filled').map((b) => b.lineId);
    },

    /**
     * After stock was released (a cancelled order, a released reservation): serve the SKUs' waiting
     * back-orders from it, first come first served, and signal their workflows. Returns orderNos filled.
     */
    async allocateBackOrders(skus: string[]): Promise<string[]> {
      const orderNos = new Set<string>();
      for (const sku of new Set(skus)) {
        const filled = await allocateWaitingBackOrders(db, sku);
        await signalBackOrdersFilled(filled);
        for (const f of filled) orderNos.add(f.orderNo);
      }
      return [...orderNos];
    },
  };
}

/** Signals each filled line's workflow through the worker's client; a closed or absent workflow is skipped. */
async function signalBackOrdersFilled(filled: FilledBackOrder[]): Promise<void> {
  if (!filled.length) return;
  const client = Context.current().client;
  for (const f of filled) {
    try {
      await client.workflow.getHandle(`order-${f.orderNo}`).signal(backOrderFilledSignal, { lineId: f.lineId });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { code?: unknown }).code === 5 /* gRPC NOT_FOUND */) continue;
      // The fill is committed; a retry of this activity would not find it again. The waiting
      // workflow's filledBackOrderLines check picks it up.
      Context.current().log.error('back-order filled but its workflow could not be signalled', { orderNo: f.orderNo, lineId: f.lineId, error: String(err) });
    }
  }
}
