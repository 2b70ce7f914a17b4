import type { Knex } from 'knex';

/**
 * P1.2 stock journal: the changes of on hand that no business record explains by itself — the
 * opening balance of a SKU, goods arriving (restock) and counts or ERP syncs that set on hand
 * (their difference). Units that leave by hand-over (order lines `shipped`), write-offs at
 * inspection (P1.4) and returns put back on the shelf (P3.4) are read from their own records.
 * Together they let the ledger (db/ledger.ts) say whether on hand is what it should be.
 *
 * A database that already holds stock gets one `opening` movement per SKU carrying today's balance
 * forward (on hand plus what left minus what came back), so that the ledger starts out balanced.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stock_movements', (t) => {
    t.increments('id').primary();
    t.string('sku', 64).notNullable().references('sku').inTable('catalog_items');
    t.string('kind', 20).notNullable(); // opening | restock | count
    t.integer('quantity').notNullable(); // signed change of on hand
    t.integer('on_hand_after').notNullable();
    t.string('note', 200);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['sku', 'id']);
  });

  const left = new Map<string, number>();
  const add = (sku: string, n: number) => left.set(sku, (left.get(sku) ?? 0) + n);
  for (const r of (await knex('order_lines').where({ status: 'shipped' }).select('sku').sum({ n: 'reserved_quantity' }).groupBy('sku')) as Array<Record<string, any>>) add(r.sku, Number(r.n));
  for (const r of (await knex('return_lines').where({ outcome: 'restocked' }).select('sku').sum({ n: 'quantity' }).groupBy('sku')) as Array<Record<string, any>>) add(r.sku, -Number(r.n));
  for (const e of await knex('order_events').where({ type: 'inspection' }).select('data_json')) {
    const outcome = JSON.parse(e.data_json ?? '{}').outcome ?? {};
    for (const u of [...(outcome.replaced ?? []), ...(outcome.unresolved ?? [])]) add(u.sku, 1);
  }
  const now = new Date().toISOString();
  for (const r of await knex('inventory').select('sku', 'on_hand')) {
    await knex('stock_movements').insert({ sku: r.sku, kind: 'opening', quantity: Number(r.on_hand) + (left.get(r.sku) ?? 0), on_hand_after: Number(r.on_hand), note: 'balance carried forward when the journal began', created_at: now });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stock_movements');
}
