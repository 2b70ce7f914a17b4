import type { Knex } from 'knex';
import * as m001 from './001_catalog_and_inventory';
import * as m002 from './002_orders_and_shipments';
import * as m003 from './003_tasks';
import * as m004 from './004_payments_and_back_orders';
import * as m005 from './005_order_process_details';
import * as m006 from './006_users_sessions_audit';
import * as m007 from './007_tracking_returns_notifications';
import * as m008 from './008_console';
import * as m009 from './009_training';
import * as m010 from './010_order_list_index';
import * as m011 from './011_cancellation_guards';
import * as m012 from './012_stock_movements';
import * as m013 from './013_warehouse_stations';
import * as m014 from './014_warehouse_role_barcodes_bins';
import * as m015 from './015_waves_scans_documents';
import * as m020 from './020_webhook_events';
import * as m021 from './021_api_keys';
import * as m022 from './022_password_change_required';
import * as m023 from './023_session_reauth';
import * as m030 from './030_stockout_policy';
import * as m031 from './031_outbound_webhooks';
import * as m032 from './032_case_barcodes';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

/**
 * Migrations are listed here rather than discovered on disk, so that the same list runs from the
 * TypeScript sources (tests) and from the compiled output (npm start), on SQLite and PostgreSQL.
 */
const MIGRATIONS: Array<[string, Migration]> = [
  ['001_catalog_and_inventory', m001],
  ['002_orders_and_shipments', m002],
  ['003_tasks', m003],
  ['004_payments_and_back_orders', m004],
  ['005_order_process_details', m005],
  ['006_users_sessions_audit', m006],
  ['007_tracking_returns_notifications', m007],
  ['008_console', m008],
  ['009_training', m009],
  ['010_order_list_index', m010],
  ['011_cancellation_guards', m011],
  ['012_stock_movements', m012],
  ['013_warehouse_stations', m013],
  ['014_warehouse_role_barcodes_bins', m014],
  ['015_waves_scans_documents', m015],
  ['020_webhook_events', m020],
  ['021_api_keys', m021],
  ['022_password_change_required', m022],
  ['023_session_reauth', m023],
  ['030_stockout_policy', m030],
  ['031_outbound_webhooks', m031],
  ['032_case_barcodes', m032],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
