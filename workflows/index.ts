// The worker bundles this file: every workflow type BoxFlow runs is exported here.
export { orderFulfillment } from './order/order.workflow';
