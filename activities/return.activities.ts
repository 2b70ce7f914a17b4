import { ApplicationFailure } from '@temporalio/common';
import { appendEvent } from '../db/events';
import { emitWebhookEvent } from '../db/outbound-webhooks';
import { dispatchWebhookDeliveries } from './webhooks.activities';
import { getOrder, setOrderStatus } from '../db/orders';
import { createReturn, getReturn, returnableUnits, updateReturn } from '../db/returns';
import { dbTime } from '../db/time';
import { isDomestic } from '../domain/carriers';
import type { CarrierCode } from '../domain/types';
import type { ActivityDeps } from './deps';
import { WAREHOUSE_ADDRESS } from './shipment.activities';

/** P3.3 / P3.4: a return from label to refund. */
export function createReturnActivities({ db, carriers }: ActivityDeps) {
  return {
    /** A return waybill from the customer to the warehouse; the RMA number is the idempotency key. */
    async issueReturnLabel(rmaNo: string): Promise<{ carrier: CarrierCode; waybillNo: string }> {
      const ret = await getReturn(db, rmaNo);
      if (!ret) throw ApplicationFailure.nonRetryable(`return ${rmaNo} does not exist`);
      if (ret.returnWaybill && ret.carrier) return { carrier: ret.carrier as CarrierCode, waybillNo: ret.returnWaybill };
      const order = await getOrder(db, ret.orderNo);
      if (!order) throw ApplicationFailure.nonRetryable(`order ${ret.orderNo} does not exist`);
      const carrier: CarrierCode = isDomestic('CN', order.shippingAddress.country) ? 'SF' : 'DHL';
      const value = ret.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
      const result = await carriers(carrier).book({
        idempotencyKey: `return:${rmaNo}`, orderNo: ret.orderNo, shipmentId: `return:${rmaNo}`, sender: order.shippingAddress, recipient: WAREHOUSE_ADDRESS,
        weightGrams: 1000, volumeCm3: 5000, declaredValue: value, currency: order.currency,
      });
      if (!result.accepted) throw ApplicationFailure.retryable(`${carrier} refused the return label: ${result.reason}`, 'CarrierRejected');
      await updateReturn(db, rmaNo, { carrier, return_waybill: result.waybillNo, status: 'label_issued' });
      await appendEvent(db, { orderNo: ret.orderNo, type: 'return', detail: `P3.4: return ${rmaNo} label issued (${carrier} ${result.waybillNo})`, dedupeKey: `return-label:${rmaNo}` });
      return { carrier, waybillNo: result.waybillNo };
    },

    /** P3.3: a parcel returned to sender opens a return of its items (no label: the carrier brings it back). */
    async openReturnForShipment(input: { shipmentId: string }): Promise<{ rmaNo: string }> {
      const s = await db('shipments').where({ id: input.shipmentId }).first();
      if (!s) throw ApplicationFailure.nonRetryable(`shipment ${input.shipmentId} does not exist`);
      const rmaNo = `RMA-${s.order_no}-P${s.parcel_index}`;
      if (!(await getReturn(db, rmaNo))) {
        const items = JSON.parse(s.items_json) as Array<{ sku: string; quantity: number; unitPrice: number }>;
        await createReturn(db, { rmaNo, orderNo: s.order_no, source: 'returned_to_sender', reason: `returned to sender: ${s.carrier} ${s.tracking_no}`, lines: items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: i.unitPrice })) });
        await appendEvent(db, { orderNo: s.order_no, type: 'return', detail: `P3.3: parcel ${s.tracking_no} came back to the warehouse; return ${rmaNo} opened`, dedupeKey: `rts-return:${rmaNo}` });
      }
      return { rmaNo };
    },

    /** The warehouse received the goods and graded each line (P3.4 inspection). */
    async receiveReturn(input: { rmaNo: string; lines: Array<{ sku: string; quantity: number; condition: 'resellable' | 'damaged' }>; receivedBy: string }): Promise<void> {
      const ret = await getReturn(db, input.rmaNo);
      if (!ret) throw ApplicationFailure.nonRetryable(`return ${input.rmaNo} does not exist`);
      if (ret.receivedAt) return;
      await db.transaction(async (trx) => {
        for (const line of ret.lines) {
          const graded = input.lines.find((l) => l.sku === line.sku);
          await trx('return_lines').where({ id: line.id }).update({ condition: graded?.condition ?? 'resellable' });
        }
        await trx('returns').where({ rma_no: input.rmaNo }).update({ status: 'received', received_at: dbTime(), updated_at: dbTime() });
        await emitWebhookEvent(trx, { type: 'return.received', orderNo: ret.orderNo, sourceKey: `return-received:${input.rmaNo}`, data: { orderNo: ret.orderNo, rmaNo: input.rmaNo, lines: input.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, condition: l.condition })) } });
      });
      await dispatchWebhookDeliveries(db);
      await appendEvent(db, { orderNo: ret.orderNo, type: 'return', detail: `P3.4: return ${input.rmaNo} received by ${input.receivedBy}: ${input.lines.map((l) => `${l.quantity} × ${l.sku} ${l.condition}`).join(', ')}`, dedupeKey: `return-received:${input.rmaNo}` });
    },

    /** Resellable units go back on the shelf, damaged ones are written off. Idempotent per line. */
    async settleReturnedStock(rmaNo: string): Promise<{ restocked: number; writtenOff: number }> {
      const ret = await getReturn(db, rmaNo);
      if (!ret) throw ApplicationFailure.nonRetryable(`return ${rmaNo} does not exist`);
      let restocked = 0;
      let writtenOff = 0;
      for (const line of ret.lines) {
        const outcome = line.condition === 'damaged' ? 'written_off' : 'restocked';
        await db.transaction(async (trx) => {
          const claimed = await trx('return_lines').where({ id: line.id }).whereNull('outcome').update({ outcome });
          if (claimed && outcome === 'restocked') {
            await trx('inventory').where({ sku: line.sku }).update({ on_hand: trx.raw('on_hand + ?', [line.quantity]), updated_at: dbTime() });
          }
        });
        if (outcome === 'restocked') restocked += line.quantity;
        else writtenOff += line.quantity;
      }
      await updateReturn(db, rmaNo, { status: 'inspected' });
      return { restocked, writtenOff };
    },

    async returnValue(rmaNo: string): Promise<number> {
      const ret = await getReturn(db, rmaNo);
      return ret ? Math.round(ret.lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0) * 100) / 100 : 0;
    },

    /** Closes the return; when nothing of the order is left with the customer, the order is `returned` (P3.3). */
    async closeReturn(input: { rmaNo: string; status: 'refunded' | 'expired'; refundAmount: number }): Promise<{ orderReturned: boolean }> {
      const ret = await getReturn(db, input.rmaNo);
      if (!ret) throw ApplicationFailure.nonRetryable(`return ${input.rmaNo} does not exist`);
      await updateReturn(db, input.rmaNo, { status: input.status, refund_amount: input.refundAmount, closed_at: dbTime() });
      if (input.status !== 'refunded') return { orderReturned: false };
      const left = [...(await returnableUnits(db, ret.orderNo)).values()].reduce((n, u) => n + u.quantity, 0);
      if (left > 0) return { orderReturned: false };
      await setOrderStatus(db, { orderNo: ret.orderNo, status: 'returned', detail: `P3.3: every shipped unit came back (return ${input.rmaNo})`, dedupeKey: `returned:${ret.orderNo}` });
      await dispatchWebhookDeliveries(db);
      return { orderReturned: true };
    },
  };
}
