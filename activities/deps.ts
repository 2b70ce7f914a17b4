import type { CarrierRegistry } from '../adapters/carriers';
import type { CarrierTracker } from '../adapters/carriers/tracking';
import type { NotificationSender } from '../adapters/notifications/sender';
import type { PaymentProvider } from '../adapters/payments';
import type { Settings } from '../config/settings';
import type { Db } from '../db/knex';

/** What activities need from the outside world; the worker builds it once, tests build their own. */
export interface ActivityDeps {
  db: Db;
  carriers: CarrierRegistry;
  payments: PaymentProvider;
  tracker: CarrierTracker;
  sender: NotificationSender;
  settings: Pick<Settings, 'sandbox' | 'timeScale'>;
}
