import { sql, type Kysely } from 'kysely';

/**
 * Numbers (N1–N8) and money (M1): inventory, tariffs, balances with their ledger, orders.
 * Money is numeric(14,3): exact, in CNY, three decimals so that per-minute prices (0.105) fit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tariffs')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('amount', sql`numeric(14,3)`, (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  const tariffs: [string, string, string, string][] = [
    // seed 000 links an external price page: these two are defaults, changed by an OPERATOR with setTariff
    ['NUMBER_MONTHLY_LOCAL', 'Local (fixed-line) number, monthly rent', '50.000', 'NUMBER_MONTH'],
    ['NUMBER_MONTHLY_MOBILE', 'Mobile number, monthly rent', '50.000', 'NUMBER_MONTH'],
    // seed 001 / N5: 400 numbers pay no rent, only the tier's monthly minimum spend
    ['TOLL_FREE_400_STANDARD', '400 number, standard tier: monthly minimum spend', '375.000', 'NUMBER_MONTH'],
    ['TOLL_FREE_400_PREFERRED', '400 number, preferred tier: monthly minimum spend', '750.000', 'NUMBER_MONTH'],
    ['TOLL_FREE_400_SELECTED', '400 number, selected tier: monthly minimum spend', '1500.000', 'NUMBER_MONTH'],
    ['TOLL_FREE_400_GOLD', '400 number, gold tier: monthly minimum spend', '2500.000', 'NUMBER_MONTH'],
    ['TOLL_FREE_400_PLATINUM', '400 number, platinum tier: monthly minimum spend', '5000.000', 'NUMBER_MONTH'],
    ['TOLL_FREE_400_VIP', '400 number, VIP tier: monthly minimum spend', '12500.000', 'NUMBER_MONTH'],
    ['TOLL_FREE_400_VVIP', '400 number, VVIP tier: monthly minimum spend', '20000.000', 'NUMBER_MONTH'],
    // seed 004 / V1, V2: voice messages
    ['VOICE_NUMBER_MONTHLY', 'Voice-message number, monthly function fee', '50.000', 'NUMBER_MONTH'],
    ['VOICE_PACKAGE_10K', 'Voice-message package, 10 000 minutes at 0.105', '1050.000', 'PACKAGE'],
    ['VOICE_PACKAGE_100K', 'Voice-message package, 100 000 minutes at 0.100', '10000.000', 'PACKAGE'],
    ['VOICE_PACKAGE_500K', 'Voice-message package, 500 000 minutes at 0.095', '47500.000', 'PACKAGE'],
    ['VOICE_PACKAGE_1M', 'Voice-message package, 1 000 000 minutes at 0.090', '90000.000', 'PACKAGE'],
    ['VOICE_PACKAGE_3M', 'Voice-message package, 3 000 000 minutes at 0.085', '255000.000', 'PACKAGE'],
    ['VOICE_CUSTOM_MINUTE_UNDER_10K', 'Custom voice package, per minute, under 10 000 minutes', '0.110', 'MINUTE'],
    ['VOICE_CUSTOM_MINUTE_10K', 'Custom voice package, per minute, 10 000 – 99 999 minutes', '0.105', 'MINUTE'],
    ['VOICE_CUSTOM_MINUTE_100K', 'Custom voice package, per minute, 100 000 – 499 999 minutes', '0.100', 'MINUTE'],
    ['VOICE_CUSTOM_MINUTE_500K', 'Custom voice package, per minute, 500 000 – 999 999 minutes', '0.095', 'MINUTE'],
    ['VOICE_CUSTOM_MINUTE_1M', 'Custom voice package, per minute, 1 000 000 – 2 999 999 minutes', '0.090', 'MINUTE'],
    ['VOICE_CUSTOM_MINUTE_3M', 'Custom voice package, per minute, 3 000 000 minutes and over', '0.085', 'MINUTE'],
  ];
  await db
    .insertInto('tariffs')
    .values(tariffs.map(([code, description, amount, unit]) => ({ code, description, amount, unit })))
    .execute();

  await db.schema
    .createTable('numbers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('e164', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('LOCAL','MOBILE','TOLL_FREE_400')`))
    .addColumn('tier', 'text', (c) =>
      c.check(sql`tier is null or tier in ('STANDARD','PREFERRED','SELECTED','GOLD','PLATINUM','VIP','VVIP')`),
    )
    .addColumn('province', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    // Released numbers go back to AVAILABLE; applications (N3, N6) hold numbers as RESERVED.
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('AVAILABLE','RESERVED','ACTIVE','EXPIRED')`))
    .addColumn('tenant_id', 'uuid', (c) => c.references('tenants.id').onDelete('set null'))
    .addColumn('qualification_id', 'uuid', (c) => c.references('qualifications.id').onDelete('set null'))
    .addColumn('instance_id', 'text')
    .addColumn('application_id', 'uuid')
    .addColumn('call_type', 'text', (c) => c.check(sql`call_type is null or call_type in ('INBOUND_ONLY','INBOUND_OUTBOUND')`))
    .addColumn('term_start', 'timestamptz')
    .addColumn('term_end', 'timestamptz')
    .addColumn('auto_renew', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('reserved_until', 'timestamptz')
    .addColumn('grace_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('numbers_tier_400', sql`(type = 'TOLL_FREE_400') = (tier is not null)`)
    .addCheckConstraint('numbers_stock_has_no_tenant', sql`(status = 'AVAILABLE') = (tenant_id is null)`)
    .execute();
  await db.schema
    .createIndex('numbers_stock_idx')
    .on('numbers')
    .columns(['type', 'province', 'city'])
    .where(sql<boolean>`status = 'AVAILABLE'`)
    .execute();
  await db.schema.createIndex('numbers_tenant_idx').on('numbers').columns(['tenant_id', 'status', 'created_at']).execute();

  await db.schema
    .createTable('balances')
    .addColumn('tenant_id', 'uuid', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('amount', sql`numeric(14,3)`, (c) => c.notNull().defaultTo(0).check(sql`amount >= 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await sql`create sequence order_no_seq`.execute(db);
  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('order_no', 'text', (c) => c.notNull().unique())
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('UNPAID','PAID','CANCELLED','EXPIRED')`))
    .addColumn('total', sql`numeric(14,3)`, (c) => c.notNull().check(sql`total >= 0`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('orders_tenant_idx').on('orders').columns(['tenant_id', 'status', 'created_at']).execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tariff_code', 'text', (c) => c.notNull().references('tariffs.code'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('unit_price', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('amount', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('number_id', 'uuid', (c) => c.references('numbers.id').onDelete('set null'))
    .addColumn('subject_id', 'text')
    .addColumn('period_start', 'timestamptz')
    .addColumn('period_end', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('order_lines_position', ['order_id', 'position'])
    .execute();
  await db.schema.createIndex('order_lines_number_idx').on('order_lines').column('number_id').execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('balance_after', sql`numeric(14,3)`, (c) => c.notNull().check(sql`balance_after >= 0`))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('order_id', 'uuid', (c) => c.references('orders.id').onDelete('set null'))
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_tenant_idx').on('ledger_entries').columns(['tenant_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['ledger_entries', 'order_lines', 'orders', 'balances', 'numbers', 'tariffs']) await db.schema.dropTable(t).execute();
  await sql`drop sequence order_no_seq`.execute(db);
}
