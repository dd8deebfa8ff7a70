import { sql, type Kysely } from 'kysely';

/**
 * Monthly statements (M2).
 *
 * - `statements`: one per (tenant, month), closed once on the first of the next month in the
 *   tenant's time zone: opening balance, top-ups, total (the lines), closing balance; the check
 *   keeps closing = opening + top-ups − total.
 * - `statement_lines`: what was charged (or credited: ADJUSTMENT lines are negative), grouped by
 *   kind and price. A CALL_MINUTES line names its CDRs by a query (the app or instance, 400 or not,
 *   the month), not by one row per CDR.
 * - `statement_line_sources`: the order lines (with their order and payment) or ledger entries a
 *   line is made of.
 * - `statement_entries`: every ledger entry is on exactly one statement (primary key): the ledger
 *   and the statements reconcile, and a movement written late (its transaction began before the
 *   month ended, committed after the close) goes on the next statement instead of being lost.
 *
 * Closed statements are immutable: a trigger refuses any UPDATE (a correction is an ADJUSTMENT in
 * the ledger, which shows up on the next month's statement).
 *
 * Also: the CALL_MINUTE tariff (call minutes charged at month close), and balances may go below
 * zero (arrears) for charges that cannot be refused (moveBalance `allowArrears`): the checks
 * `amount >= 0` of balances and `balance_after >= 0` of the ledger go; the service still refuses
 * every other debit beyond the balance.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db
    .insertInto('tariffs')
    .values({ code: 'CALL_MINUTE', description: 'Call minutes (privacy numbers, call-center instances), per billable minute', amount: '0.100', unit: 'MINUTE' })
    .execute();
  await sql`alter table balances drop constraint if exists balances_amount_check`.execute(db);
  await sql`alter table ledger_entries drop constraint if exists ledger_entries_balance_after_check`.execute(db);

  await db.schema
    .createTable('statements')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('period_end', 'timestamptz', (c) => c.notNull())
    .addColumn('opening_balance', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('top_ups', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('total', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('closing_balance', sql`numeric(14,3)`, (c) => c.notNull())
    // links to orders, order lines and ledger entries are plain ids: an FK action (set null) would be an UPDATE
    .addColumn('usage_order_id', 'uuid')
    .addColumn('closed_at', 'timestamptz', (c) => c.notNull())
    // the statement date, its period's end: lists are newest month first
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('statements_tenant_month', ['tenant_id', 'month'])
    .addCheckConstraint('statements_first_day', sql`extract(day from month) = 1`)
    .addCheckConstraint('statements_reconcile', sql`closing_balance = opening_balance + top_ups - total`)
    .execute();
  await db.schema.createIndex('statements_tenant_idx').on('statements').columns(['tenant_id', 'created_at']).execute();

  await db.schema
    .createTable('statement_lines')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('statement_id', 'uuid', (c) => c.notNull().references('statements.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('NUMBER_RENT','MINIMUM_SPEND_400','VOICE_NUMBER_FEE','VOICE_PACKAGE','CALL_MINUTES','OTHER','ADJUSTMENT')`),
    )
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('tariff_code', 'text')
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity >= 0`))
    .addColumn('unit_price', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('amount', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('note', 'text')
    // CALL_MINUTES: the CDRs of the month of this privacy app or instance, on 400 numbers or not
    .addColumn('cdr_app_id', 'uuid')
    .addColumn('cdr_instance_id', 'uuid')
    .addColumn('cdr_toll_free', 'boolean')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('statement_lines_position', ['statement_id', 'position'])
    .execute();

  await db.schema
    .createTable('statement_line_sources')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('statement_line_id', 'uuid', (c) => c.notNull().references('statement_lines.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('order_id', 'uuid')
    .addColumn('order_line_id', 'uuid')
    .addColumn('ledger_entry_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('statement_line_sources_line_idx').on('statement_line_sources').columns(['statement_line_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('statement_entries')
    .addColumn('ledger_entry_id', 'uuid', (c) => c.primaryKey().references('ledger_entries.id').onDelete('cascade'))
    .addColumn('statement_id', 'uuid', (c) => c.notNull().references('statements.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('statement_entries_statement_idx').on('statement_entries').column('statement_id').execute();

  await sql`
    create function statements_immutable() returns trigger language plpgsql as $$
    begin
      raise exception 'a closed statement is immutable (%): a correction is an ADJUSTMENT on the next statement', tg_table_name
        using errcode = 'P0001';
    end $$`.execute(db);
  for (const t of ['statements', 'statement_lines', 'statement_line_sources', 'statement_entries'])
    await sql`create trigger ${sql.raw(`${t}_immutable`)} before update on ${sql.table(t)} for each row execute function statements_immutable()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['statement_entries', 'statement_line_sources', 'statement_lines', 'statements']) await db.schema.dropTable(t).execute();
  await sql`drop function statements_immutable()`.execute(db);
  await db.deleteFrom('tariffs').where('code', '=', 'CALL_MINUTE').execute();
}
