// The worker bundles this file: every workflow type BoxFlow runs is exported here.
export { orderFulfillment } from './order/order.workflow';
export { shipmentTracking } from './tracking/shipment-tracking.workflow';
export { orderReturn } from './returns/order-return.workflow';
export { settleAbandonedOrder, settleAbandonedOrders, settleLatePayment } from './order/settlement.workflow';
export { webhookDelivery } from './webhooks/webhook-delivery.workflow';
