import { acceptOrderTx, handOverTx, Shortage, StatusWrite } from '../db/order-steps';
import { getOrder, getOrderLines, setOrderStatus } from '../db/orders';
import { getCatalogItems } from '../db/catalog';
import { createShipments, NewParcel } from '../db/shipments';
import { validateAgainstCatalog } from '../domain/order-validation';
import type { OrderInput, PackItem, ValidationIssue } from '../domain/types';
import type { ActivityDeps } from './deps';
import { notFound } from './errors';
import { printLabels } from './shipment.activities';
import { InspectionOutcome, inspectUnits, missingLabels, pickList } from './warehouse.activities';
import { dispatchWebhookDeliveries } from './webhooks.activities';

export type { StatusWrite } from '../db/order-steps';

/**
 * The order's steps merged (issue 15, workflow patch `merged-steps`): each activity is one database
 * transaction, idempotent through the workflow's dedupe keys and the tables' own keys, so a retry
 * writes nothing twice. The status rows a step used to write through separate recordStatus calls
 * are written inside it, so the timeline tells the same story with fewer round trips.
 */
export function createStepActivities({ db, settings }: ActivityDeps) {
  return {
    /**
     * P1.1 → P1.2 → P1.3: confirms the order against the catalog; when it matches (or `acceptIssues`,
     * a person decided to go on), writes validated and reserving, reserves what is in stock and
     * writes awaiting_payment, in one transaction. When the catalog changed it writes nothing and
     * returns the issues (the workflow puts the order on hold). `shipBy` (P2.8) rides along.
     */
    async acceptOrder(input: { orderNo: string; before: StatusWrite[]; after: StatusWrite[]; acceptIssues?: boolean; shipBy?: string }): Promise<{ issues: ValidationIssue[]; reservedLineIds: number[]; shortages: Shortage[] }> {
      const last = input.after[input.after.length - 1];
      // A retry after the commit: the catalog may have changed since, but this order was accepted.
      const accepted = last ? await db('order_events').where({ dedupe_key: last.dedupeKey }).first('id') : undefined;
      if (!accepted && !input.acceptIssues) {
        const order = await getOrder(db, input.orderNo);
        if (!order) throw notFound(`order ${input.orderNo}`);
        const lines = await getOrderLines(db, input.orderNo);
        const catalog = await getCatalogItems(db, lines.map((l) => l.sku));
        const asInput = { orderNo: input.orderNo, currency: order.currency, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })) } as OrderInput;
        const issues = validateAgainstCatalog(asInput, catalog);
        if (issues.length) {
          if (input.shipBy) await db('orders').where({ order_no: input.orderNo }).update({ ship_by: input.shipBy });
          return { issues, reservedLineIds: [], shortages: [] };
        }
      }
      const reserved = await acceptOrderTx(db, input);
      await dispatchWebhookDeliveries(db);
      return { issues: [], ...reserved };
    },

    /**
     * P1.8 → P1.4 → P1.6: writes `picking`, inspects the picked units (P1.4) and, when nothing is
     * left unresolved, checks the product labels and reads the pick list, in one transaction.
     * Damaged units or missing label data are returned for the workflow's decisions.
     */
    async preparePick(input: { orderNo: string; pass: number; picking: StatusWrite }): Promise<{ inspection: InspectionOutcome; missing: Array<{ lineId: number; sku: string; fields: string[] }>; picked: { lineIds: number[]; items: PackItem[] } }> {
      const out = await db.transaction(async (trx) => {
        await setOrderStatus(trx, { orderNo: input.orderNo, ...input.picking });
        const inspection = await inspectUnits(trx, settings.sandbox, input.pass === 1 ? input.orderNo : { orderNo: input.orderNo, pass: input.pass });
        if (inspection.unresolved.length) return { inspection, missing: [], picked: { lineIds: [], items: [] } };
        const missing = await missingLabels(trx, input.orderNo);
        const picked = missing.length ? { lineIds: [], items: [] } : await pickList(trx, input.orderNo);
        return { inspection, missing, picked };
      });
      await dispatchWebhookDeliveries(db);
      return out;
    },

    /** P1.5 / P1.8 → P1.6: the round's parcels, their product labels, `packed` and `labelled`, in one transaction. */
    async packAndLabel(input: { orderNo: string; parcels: NewParcel[]; packed: StatusWrite; labelled: StatusWrite }): Promise<string[]> {
      const ids = await db.transaction(async (trx) => {
        const shipmentIds = await createShipments(trx, input.orderNo, input.parcels);
        await setOrderStatus(trx, { orderNo: input.orderNo, ...input.packed });
        for (const id of shipmentIds) await printLabels(trx, id);
        await setOrderStatus(trx, { orderNo: input.orderNo, ...input.labelled });
        return shipmentIds;
      });
      await dispatchWebhookDeliveries(db);
      return ids;
    },

    /**
     * P2.2 hand-over (db/order-steps.ts handOverTx): parcels shipped, their units off the shelf, the
     * order booked and then shipped (or partially shipped), all in one transaction.
     */
    async handOver(input: { orderNo: string; shipmentIds: string[]; lineIds: number[]; statuses: StatusWrite[] }): Promise<void> {
      await handOverTx(db, input);
      await dispatchWebhookDeliveries(db);
    },
  };
}
