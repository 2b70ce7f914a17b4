import type { TaskKind } from './types';

/**
 * Every kind of human decision the order workflow can stop for: its options, the default applied
 * when the deadline passes, how long a person has, and a plain explanation of each option. One place,
 * read by the workflow (deterministic), the API and the console.
 */
export interface TaskKindSpec {
  step: string;
  options: readonly string[];
  defaultOption: string;
  /** Unscaled: BOXFLOW_TIME_SCALE multiplies it. */
  deadlineMs: number;
  priority: number;
  explain: Record<string, { en: string; zh: string }>;
}

const H = 60 * 60 * 1000;

export const TASK_KINDS: Record<TaskKind, TaskKindSpec> = {
  catalog_changed: {
    step: 'P1.1',
    options: ['proceed_with_order_price', 'cancel_order'],
    defaultOption: 'proceed_with_order_price',
    deadlineMs: 2 * H,
    priority: 50,
    explain: {
      proceed_with_order_price: { en: 'Honour the order as placed and ship it.', zh: '按下单时的信息和价格继续发货。' },
      cancel_order: { en: 'Cancel the order, release its stock and refund the customer.', zh: '取消订单,释放库存并退款给客户。' },
    },
  },
  stockout: {
    step: 'P1.10',
    options: ['wait_for_restock', 'ship_available_now', 'cancel_line'],
    defaultOption: 'wait_for_restock',
    deadlineMs: 4 * H,
    priority: 70,
    explain: {
      wait_for_restock: { en: 'Back-order the short lines; the whole order ships when restock arrives (first come, first served).', zh: '缺货行转为预订,补货到达后整单发货(先到先得)。' },
      ship_available_now: { en: 'Ship what is in stock now; the rest is back-ordered and ships as a second parcel.', zh: '先发有货的部分,其余转为预订,补货后作为第二个包裹发出。' },
      cancel_line: { en: 'Cancel the short lines and refund them; ship the rest.', zh: '取消缺货行并退款,其余照常发货。' },
    },
  },
  damaged_goods: {
    step: 'P1.4',
    options: ['wait_for_replacement', 'ship_without_and_refund', 'cancel_order'],
    defaultOption: 'ship_without_and_refund',
    deadlineMs: 4 * H,
    priority: 60,
    explain: {
      wait_for_replacement: { en: 'Wait for the supplier’s replacement unit (back-order), then ship complete.', zh: '等待供应商补发替换件(转为预订),到货后完整发货。' },
      ship_without_and_refund: { en: 'Ship without the damaged unit and refund it.', zh: '不含损坏商品发货,并退还该商品款项。' },
      cancel_order: { en: 'Cancel the whole order and refund it.', zh: '取消整单并退款。' },
    },
  },
  label_incomplete: {
    step: 'P1.6',
    options: ['retry_after_fix', 'ship_without_and_refund', 'cancel_order'],
    defaultOption: 'ship_without_and_refund',
    deadlineMs: 2 * H,
    priority: 55,
    explain: {
      retry_after_fix: { en: 'The catalog data has been completed: print the labels again.', zh: '商品资料已补全:重新打印标签。' },
      ship_without_and_refund: { en: 'Ship without the items whose label is incomplete and refund them.', zh: '不发标签不完整的商品,并退还其款项。' },
      cancel_order: { en: 'Cancel the whole order and refund it.', zh: '取消整单并退款。' },
    },
  },
  carrier_rejected: {
    step: 'P2.4',
    options: ['retry_booking', 'cancel_order'],
    defaultOption: 'retry_booking',
    deadlineMs: 2 * H,
    priority: 65,
    explain: {
      retry_booking: { en: 'After talking to the carrier or platform support, submit the shipping application again.', zh: '联系物流公司或平台客服后,重新提交发货申请。' },
      cancel_order: { en: 'Cancel the order, release its stock and refund it.', zh: '取消订单,释放库存并退款。' },
    },
  },
  customs_hold: {
    step: 'P2.10',
    options: ['resubmit', 'cancel_order'],
    defaultOption: 'cancel_order',
    deadlineMs: 8 * H,
    priority: 60,
    explain: {
      resubmit: { en: 'Customs data has been corrected: declare again.', zh: '报关资料已更正:重新申报。' },
      cancel_order: { en: 'Cancel the order (it cannot clear customs) and refund it.', zh: '无法清关,取消订单并退款。' },
    },
  },
  sla_at_risk: {
    step: 'P2.8',
    options: ['expedite', 'acknowledge'],
    defaultOption: 'acknowledge',
    deadlineMs: 6 * H,
    priority: 80,
    explain: {
      expedite: { en: 'Book the express service (SF first) for parcels not yet booked.', zh: '尚未提交的包裹改用加急服务(优先顺丰)。' },
      acknowledge: { en: 'Noted; the order continues as planned.', zh: '已知悉,订单按原计划继续。' },
    },
  },
  group_buy_mismatch: {
    step: 'P2.9',
    options: ['repick', 'ship_as_picked', 'cancel_order'],
    defaultOption: 'cancel_order',
    deadlineMs: 4 * H,
    priority: 60,
    explain: {
      repick: { en: 'Count and pick again.', zh: '重新清点并分拣。' },
      ship_as_picked: { en: 'Ship the picked quantity anyway (the campaign organiser agreed).', zh: '按已分拣数量发货(已与团长确认)。' },
      cancel_order: { en: 'A group-buy must ship exactly the committed quantity: cancel and refund.', zh: '团购必须按承诺数量发货:取消订单并退款。' },
    },
  },
  delivery_delayed: {
    step: 'P3.2',
    options: ['chase_carrier', 'notify_customer', 'reship', 'refund'],
    defaultOption: 'chase_carrier',
    deadlineMs: 12 * H,
    priority: 60,
    explain: {
      chase_carrier: { en: 'Contact the carrier or platform support and keep tracking.', zh: '联系物流公司或平台客服,继续跟踪。' },
      notify_customer: { en: 'Tell the customer again what is happening and keep tracking.', zh: '再次告知客户进展,继续跟踪。' },
      reship: { en: 'Send the items again with a new waybill; the late parcel’s booking is cancelled.', zh: '用新运单重新发货,取消延误包裹的运单。' },
      refund: { en: 'Refund the parcel’s items and stop tracking it.', zh: '退还该包裹商品款项,停止跟踪。' },
    },
  },
  delivery_exception: {
    step: 'P3.2',
    options: ['correct_and_resubmit', 'return_to_sender', 'refund'],
    defaultOption: 'correct_and_resubmit',
    deadlineMs: 8 * H,
    priority: 70,
    explain: {
      correct_and_resubmit: { en: 'Correct the address or data and submit a new shipping application; the old waybill is cancelled.', zh: '更正地址或信息后重新提交发货申请,原运单作废。' },
      return_to_sender: { en: 'Have the carrier bring the parcel back; it enters the returns path.', zh: '让物流公司退回包裹,进入退货流程。' },
      refund: { en: 'Refund the parcel’s items and stop tracking it.', zh: '退还该包裹商品款项,停止跟踪。' },
    },
  },
  step_failed: {
    // An outside service (carrier, payment provider) kept failing a step that must not be skipped,
    // e.g. cancelling a waybill or refunding a cancelled order: retried with back-off until the
    // retries ran out, then a person looks (P4.2: the automation hands over to people).
    step: 'P4.2',
    options: ['retry', 'done_by_hand'],
    defaultOption: 'retry',
    deadlineMs: 2 * H,
    priority: 80,
    explain: {
      retry: { en: 'Try the step again now (the default when the deadline passes).', zh: '立即重试该步骤(截止时间到后默认重试)。' },
      done_by_hand: { en: 'The step was done by hand outside BoxFlow (e.g. the refund or the waybill cancellation in the provider’s portal); go on.', zh: '已在系统外人工完成该步骤(例如在服务商后台退款或取消运单),继续后续流程。' },
    },
  },
  payment_review: {
    step: 'P1.3',
    options: ['accept', 'cancel_order'],
    defaultOption: 'cancel_order',
    deadlineMs: 2 * H,
    priority: 50,
    explain: {
      accept: { en: 'Payment confirmed by hand.', zh: '人工确认已付款。' },
      cancel_order: { en: 'Cancel the order.', zh: '取消订单。' },
    },
  },
  pick_overdue: {
    // Stations mode: nobody has picked and checked the order's units at the pick station in time.
    step: 'P1.8',
    options: ['keep_waiting', 'cancel_order'],
    defaultOption: 'keep_waiting',
    deadlineMs: 2 * H,
    priority: 70,
    explain: {
      keep_waiting: { en: 'A picker has been sent; keep waiting for the pick station (another deadline starts).', zh: '已安排拣货员,继续等待拣货工位(重新开始计时)。' },
      cancel_order: { en: 'The order cannot be picked: cancel it, release its stock and refund it.', zh: '无法拣货:取消订单,释放库存并退款。' },
    },
  },
  pack_overdue: {
    // Stations mode: the picked order has not been packed and weighed in time (P1.5).
    step: 'P1.5',
    options: ['keep_waiting', 'cancel_order'],
    defaultOption: 'keep_waiting',
    deadlineMs: 2 * H,
    priority: 70,
    explain: {
      keep_waiting: { en: 'A packer has been sent; keep waiting for the pack station (another deadline starts).', zh: '已安排打包员,继续等待打包工位(重新开始计时)。' },
      cancel_order: { en: 'Cancel the order, put its units back, release its stock and refund it.', zh: '取消订单,商品放回货架,释放库存并退款。' },
    },
  },
  handover_missed: {
    // Stations mode: a booked parcel was not scanned out to the courier at its pickup (P2.2, P2.6).
    step: 'P2.2',
    options: ['next_pickup', 'cancel_order'],
    defaultOption: 'next_pickup',
    deadlineMs: 2 * H,
    priority: 75,
    explain: {
      next_pickup: { en: 'The parcel rolls to the next pickup of its carrier; scan it out then.', zh: '包裹顺延到该快递的下一次揽收,届时扫描交接。' },
      cancel_order: { en: 'Cancel the order (only while none of its parcels has been scanned out): void the waybill and refund.', zh: '取消订单(仅限尚无包裹交接时):作废运单并退款。' },
    },
  },
  back_order_overdue: {
    // Issue 15: an order has waited for restock of its back-ordered lines (SKUs `restockable`, or a
    // supervisor's wait_for_restock) longer than its policy's backOrderTaskAfterMs. Withdrawn by
    // itself when the restock arrives while it is open. Its deadline (default: keep waiting) is what
    // keeps the order's history bounded: no run continues as new while a task is open.
    step: 'P1.10',
    options: ['keep_waiting', 'cancel_waiting_lines', 'cancel_order'],
    defaultOption: 'keep_waiting',
    deadlineMs: 48 * H,
    priority: 60,
    explain: {
      keep_waiting: { en: 'Keep waiting for the restock; the clock starts again and this question comes back after another period.', zh: '继续等待补货;重新计时,再过一个周期仍未到货时会再次询问。' },
      cancel_waiting_lines: { en: 'Cancel the lines still waiting and refund them; the rest ships (or the order is cancelled if nothing is left).', zh: '取消仍在等待补货的商品行并退款;其余照常发货(若已无可发商品则取消订单)。' },
      cancel_order: { en: 'Cancel the whole order, release its stock and refund it.', zh: '取消整单,释放库存并退款。' },
    },
  },
};
