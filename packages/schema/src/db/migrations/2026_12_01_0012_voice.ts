import { sql, type Kysely } from 'kysely';

/**
 * Voice messages (V1–V3, seed 004): apps, the numbers opened for them, the monthly function fees
 * charged per number and month, prepaid minute packages, the messages and what each one took from
 * which package.
 *
 * - `voice_numbers`: a number of the inventory opened for an app (V1). `closed_at` is set when it is
 *   unsubscribed or goes back to stock; a number is open for one app at most (partial unique index).
 * - `voice_fee_charges`: one row per (voice number, month): the primary key makes the monthly fee
 *   idempotent (a rerun or restart of the monthly job charges nothing twice). `month` is the first
 *   day of the month in the tenant's time zone.
 * - `voice_packages` (V2): `remaining_minutes` never goes below 0 nor above the total, and
 *   `reserved_minutes` (one minute held by each queued message, V3) never exceeds what remains:
 *   the database refuses what a race in the service might try.
 * - `voice_package_usages` (V3): each deduction of minutes from a package by a message; a message
 *   may spill over several packages (the one that expires first, then the next).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('voice_apps')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('qualification_id', 'uuid', (c) => c.references('qualifications.id'))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('voice_apps_tenant_name', ['tenant_id', 'name'])
    .execute();
  await db.schema.createIndex('voice_apps_tenant_idx').on('voice_apps').columns(['tenant_id', 'created_at']).execute();

  await db.schema
    .createTable('voice_numbers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('voice_apps.id').onDelete('cascade'))
    .addColumn('number_id', 'uuid', (c) => c.notNull().references('numbers.id'))
    .addColumn('e164', 'text', (c) => c.notNull())
    .addColumn('order_id', 'uuid', (c) => c.references('orders.id'))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('voice_numbers_closed_after_open', sql`closed_at is null or closed_at >= opened_at`)
    .execute();
  await sql`create unique index voice_numbers_open_number on voice_numbers (number_id) where closed_at is null`.execute(db);
  await db.schema.createIndex('voice_numbers_app_idx').on('voice_numbers').columns(['app_id', 'opened_at']).execute();
  await db.schema.createIndex('voice_numbers_tenant_idx').on('voice_numbers').columns(['tenant_id', 'opened_at']).execute();

  await db.schema
    .createTable('voice_fee_charges')
    .addColumn('voice_number_id', 'uuid', (c) => c.notNull().references('voice_numbers.id').onDelete('cascade'))
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id'))
    .addColumn('order_line_id', 'uuid', (c) => c.notNull().references('order_lines.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('voice_fee_charges_pk', ['voice_number_id', 'month'])
    .addCheckConstraint('voice_fee_charges_first_day', sql`extract(day from month) = 1`)
    .execute();
  await db.schema.createIndex('voice_fee_charges_tenant_idx').on('voice_fee_charges').columns(['tenant_id', 'month']).execute();

  await db.schema
    .createTable('voice_packages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('FIXED','CUSTOM')`))
    .addColumn('tariff_code', 'text', (c) => c.notNull().references('tariffs.code'))
    .addColumn('total_minutes', 'integer', (c) => c.notNull().check(sql`total_minutes > 0`))
    .addColumn('remaining_minutes', 'integer', (c) => c.notNull())
    .addColumn('reserved_minutes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unit_price', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('price', sql`numeric(14,3)`, (c) => c.notNull())
    .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id'))
    .addColumn('purchased_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('voice_packages_remaining', sql`remaining_minutes between 0 and total_minutes`)
    .addCheckConstraint('voice_packages_reserved', sql`reserved_minutes between 0 and remaining_minutes`)
    .addCheckConstraint('voice_packages_expiry', sql`expires_at > purchased_at`)
    .execute();
  await db.schema.createIndex('voice_packages_tenant_expiry_idx').on('voice_packages').columns(['tenant_id', 'expires_at']).execute();

  await db.schema
    .createTable('voice_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('voice_apps.id').onDelete('cascade'))
    // the app's number the message is played from (the caller the callee sees)
    .addColumn('voice_number_id', 'uuid', (c) => c.references('voice_numbers.id'))
    .addColumn('to_e164', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('template_id', 'text')
    .addColumn('template_params', 'jsonb')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('QUEUED','DELIVERING','ANSWERED','UNANSWERED','REJECTED','FAILED')`),
    )
    // V3: the minute held while queued, so that two sends racing for the last minute cannot both pass
    .addColumn('reserved_package_id', 'uuid', (c) => c.references('voice_packages.id'))
    .addColumn('duration_seconds', 'integer', (c) => c.check(sql`duration_seconds >= 0`))
    // ceil(duration / 60 s) for an answered message; 0 otherwise
    .addColumn('billed_minutes', 'integer', (c) => c.notNull().defaultTo(0).check(sql`billed_minutes >= 0`))
    // minutes an answered message ran over what the packages still held (documented: not charged)
    .addColumn('unbilled_minutes', 'integer', (c) => c.notNull().defaultTo(0).check(sql`unbilled_minutes >= 0`))
    .addColumn('failure_reason', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reported_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('voice_messages_content', sql`text is not null or template_id is not null`)
    .execute();
  await db.schema.createIndex('voice_messages_tenant_idx').on('voice_messages').columns(['tenant_id', 'queued_at']).execute();
  await db.schema.createIndex('voice_messages_app_idx').on('voice_messages').columns(['app_id', 'queued_at']).execute();
  await sql`create index voice_messages_pending_idx on voice_messages (tenant_id, queued_at) where status in ('QUEUED','DELIVERING')`.execute(db);

  await db.schema
    .createTable('voice_package_usages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('package_id', 'uuid', (c) => c.notNull().references('voice_packages.id').onDelete('cascade'))
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('voice_messages.id').onDelete('cascade'))
    .addColumn('minutes', 'integer', (c) => c.notNull().check(sql`minutes > 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('voice_package_usages_once', ['message_id', 'package_id'])
    .execute();
  await db.schema.createIndex('voice_package_usages_package_idx').on('voice_package_usages').columns(['package_id', 'created_at']).execute();
  await db.schema.createIndex('voice_package_usages_tenant_idx').on('voice_package_usages').columns(['tenant_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['voice_package_usages', 'voice_messages', 'voice_packages', 'voice_fee_charges', 'voice_numbers', 'voice_apps'])
    await db.schema.dropTable(t).execute();
}
