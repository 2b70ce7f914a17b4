import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Settings } from '../config/settings';
import { dataConverterFor } from './encryption-codec';
import { temporalConnectionOptions } from './temporal-connection';

/** How often abandoned orders are looked for (orders whose workflow ended without compensating). */
export const SETTLE_ABANDONED_EVERY = '10 minutes';

/**
 * The Temporal schedule that runs settleAbandonedOrders on this task queue every ten minutes
 * (workflows/order/settlement.workflow.ts). Created once; a worker that starts again finds it and
 * leaves it. Its id carries the task queue, so that several BoxFlow queues on one namespace each
 * settle their own orders.
 */
export async function ensureSettlementSchedule(settings: Settings, address: string): Promise<string> {
  const connection = await Connection.connect(temporalConnectionOptions(settings.temporal, address));
  try {
    const client = new Client({ connection, namespace: settings.temporal.namespace, dataConverter: dataConverterFor(settings.codecKeys) });
    const scheduleId = `boxflow-settle-abandoned-${settings.temporal.taskQueue}`;
    try {
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: SETTLE_ABANDONED_EVERY }] },
        action: { type: 'startWorkflow', workflowType: 'settleAbandonedOrders', taskQueue: settings.temporal.taskQueue, args: [] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    return scheduleId;
  } finally {
    await connection.close();
  }
}
