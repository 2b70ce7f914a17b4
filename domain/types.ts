/**
 * The shop's vocabulary, shared by workflows (deterministic code), activities and the web app.
 * Plain data only: nothing here may import Node APIs, because workflow code runs in a sandbox.
 */

export type OrderType = 'retail' | 'group_buy';

/** Order statuses (P2.1 order state machine). Terminal: shipped is terminal for P1/P2; delivered/returned come with tracking. */
export const ORDER_STATUSES = [
  'received', // accepted by the API, workflow started
  'validated', // P1.1 passed
  'awaiting_payment', // P1.3
  'paid',
  'reserving', // P1.2
  'back_ordered', // P1.10 waiting for restock
  'on_hold', // waiting for a person (a task is open)
  'picking', // P1.4 / P1.8
  'packed', // P1.5
  'labelled', // P1.6
  'booked', // P2.3 / P2.4 carrier accepted
  'partially_shipped', // P1.10 available part shipped, back-ordered rest still to come
  'shipped', // P2.2 handed over
  'delivered',
  'returned',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Address {
  name: string;
  phone: string;
  line1: string;
  line2?: string;
  city: string;
  province?: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
}

export interface Customer {
  name: string;
  phone: string;
  email?: string;
}

export interface OrderLineInput {
  sku: string;
  quantity: number;
  /** In the order currency, major units (e.g. 69.00 CNY). */
  unitPrice: number;
}

export interface SandboxSettings {
  /** vanish_once: the first carrier asked takes the booking, its answer is lost and it stays down for this order. */
  carrier?: 'reject_once' | 'reject_always' | 'vanish_once';
  inspection?: 'damaged_once';
  customs?: 'reject';
  carrierLatencyMs?: number;
  /** How long the sandbox payment provider takes to answer a charge. */
  paymentLatencyMs?: number;
  carrierFailureRate?: number;
  /** Share of booking calls that hang without answer (past the heartbeat timeout), after the carrier recorded them. */
  carrierTimeoutRate?: number;
  tracking?: 'normal' | 'delay' | 'exception_address' | 'lost' | 'return_to_sender' | 'long_haul';
}

export interface OrderInput {
  orderNo: string;
  type: OrderType;
  customer: Customer;
  shippingAddress: Address;
  lines: OrderLineInput[];
  currency: string;
  payment: { method: string; token: string };
  groupBuy?: { campaignId: string; committedQuantity: number };
  sandbox?: SandboxSettings;
}

/** A catalog entry (P1.1, P1.5, P1.6, P2.10 need these attributes). */
export interface CatalogItem {
  sku: string;
  name: string;
  nameZh?: string | null;
  spec: string;
  unitPrice: number;
  currency: string;
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
  fragile: boolean;
  productionDate?: string | null;
  shelfLifeDays?: number | null;
  hsCode?: string | null;
  countryOfOrigin?: string | null;
}

/** One item as it travels through picking and packing. */
export interface PackItem {
  sku: string;
  quantity: number;
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
  fragile: boolean;
  unitPrice: number;
}

export type CarrierCode = 'SF' | 'YTO' | 'DHL' | 'FEDEX';

export interface PackagingChoice {
  /** box: carton | wooden_crate | foam_box | bubble_mailer */
  box: 'carton' | 'wooden_crate' | 'foam_box' | 'bubble_mailer';
  protection: 'none' | 'bubble_wrap' | 'foam';
  reason: string;
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export type TaskKind =
  | 'stockout'
  | 'damaged_goods'
  | 'label_incomplete'
  | 'carrier_rejected'
  | 'customs_hold'
  | 'sla_at_risk'
  | 'group_buy_mismatch'
  | 'catalog_changed'
  | 'payment_review'
  | 'delivery_delayed'
  | 'delivery_exception'
  | 'step_failed'
  | 'pick_overdue'
  | 'pack_overdue'
  | 'handover_missed'
  | 'back_order_overdue';

