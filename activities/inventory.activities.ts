import { getOrderLines } from '../db/orders';
import { commitShippedLine, getStock, releaseLine, reserveLine } from '../db/inventory';
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
        } else reservedLineIds.push(line.id);
      }
      return { reservedLineIds, shortages };
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
  };
}
