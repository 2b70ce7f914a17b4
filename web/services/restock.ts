import { logFor } from '../../observability/logger';
import { WorkflowNotFoundError } from '@temporalio/client';
import { allocateWaitingBackOrders, countBackOrdered, FilledBackOrder } from '../../db/back-orders';
import { addOnHand, getStock, setOnHandCoveringReserved } from '../../db/inventory';
import type { Db } from '../../db/knex';
import { backOrderFilledSignal } from '../../workflows/order/messages';
import { TemporalGateway, workflowIdFor } from './order-intake';

/**
 * Restock and stock sync (P1.2, P1.10). Each stock change and the back-order allocation it allows
 * run in one database transaction, so no other reservation can take the new units in between;
 * the orders' workflows are signalled after commit.
 */

export class UnknownSkuError extends Error {
  constructor(readonly sku: string) {
    super(`no stock record for SKU ${sku}`);
    this.name = 'UnknownSkuError';
  }
}

/** on_hand may not drop below what is reserved for orders (the inventory CHECK constraint). */
export class BelowReservedError extends Error {
  constructor(
    readonly sku: string,
    readonly onHand: number,
    readonly reserved: number,
  ) {
    super(`on hand for ${sku} cannot be set to ${onHand}: ${reserved} unit(s) are reserved for orders`);
    this.name = 'BelowReservedError';
  }
}

export interface StockView {
  sku: string;
  onHand: number;
  reserved: number;
  /** Units waiting back-orders still need. */
  backOrdered: number;
}

export async function getStockView(db: Db, sku: string): Promise<StockView | undefined> {
  const stock = await getStock(db, sku);
  if (!stock) return undefined;
  return { sku: stock.sku, onHand: stock.onHand, reserved: stock.reserved, backOrdered: await countBackOrdered(db, sku) };
}

/**
 * Tells each order's workflow that a back-ordered line now holds its stock. A workflow that does not
 * exist or has closed is not an error (nothing waits any more). Another failure (Temporal
 * unreachable) is logged, not thrown: the stock change has been committed, and a caller that
 * retried it would add the stock twice. The workflow re-checks its back-orders as a safety net.
 */
export async function signalBackOrdersFilled(temporal: TemporalGateway, filled: FilledBackOrder[]): Promise<void> {
  for (const f of filled) {
    try {
      await temporal.client.workflow.getHandle(workflowIdFor(f.orderNo)).signal(backOrderFilledSignal, { lineId: f.lineId });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) continue;
      logFor('restock').error({ err, orderNo: f.orderNo, lineId: f.lineId }, `could not signal order ${f.orderNo} (line ${f.lineId} filled)`);
    }
  }
}

const orderNosOf = (filled: FilledBackOrder[]) => [...new Set(filled.map((f) => f.orderNo))];

/**
 * Serves the SKU's waiting back-orders from the stock available now, strictly first come first
 * served; returns the orderNos filled.
 */
export async function allocateBackOrders(db: Db, temporal: TemporalGateway, sku: string): Promise<string[]> {
  const filled = await allocateWaitingBackOrders(db, sku);
  await signalBackOrdersFilled(temporal, filled);
  return orderNosOf(filled);
}

/** Goods arrived: on_hand += quantity (one UPDATE), then back-orders are served. Returns orderNos filled. */
export async function restock(db: Db, temporal: TemporalGateway, sku: string, quantity: number): Promise<string[]> {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new RangeError(`restock quantity must be a positive integer, got ${quantity}`);
  const filled = await db.transaction(async (trx) => {
    if (!(await addOnHand(trx, sku, quantity))) throw new UnknownSkuError(sku);
    return allocateWaitingBackOrders(trx, sku);
  });
  await signalBackOrdersFilled(temporal, filled);
  return orderNosOf(filled);
}

/**
 * Sets on_hand to a counted figure (an ERP sync), then serves back-orders. Refuses with
 * BelowReservedError when the figure is below what is reserved; UnknownSkuError for an unknown SKU.
 */
export async function setOnHand(db: Db, temporal: TemporalGateway, sku: string, onHand: number): Promise<string[]> {
  if (!Number.isInteger(onHand) || onHand < 0) throw new RangeError(`on hand must be a non-negative integer, got ${onHand}`);
  const filled = await db.transaction(async (trx) => {
    const outcome = await setOnHandCoveringReserved(trx, sku, onHand);
    if (outcome === 'unknown_sku') throw new UnknownSkuError(sku);
    if (outcome === 'below_reserved') throw new BelowReservedError(sku, onHand, (await getStock(trx, sku))!.reserved);
    return allocateWaitingBackOrders(trx, sku);
  });
  await signalBackOrdersFilled(temporal, filled);
  return orderNosOf(filled);
}
