import { sql, type Kysely } from 'kysely';

/**
 * C3: signed webhook deliveries of privacy apps (CDR batches of at most 50, call-status changes,
 * SMS) and each attempt. A delivery's id is the `Callplane-Delivery-Id` header, the same on every
 * retry; PENDING deliveries are attempted when `next_attempt_at` comes (a job per delivery, and a
 * sweep over the partial index below for any job that was lost).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('privacy_apps.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('CDR','CALL_STATUS','SMS')`))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull().check(sql`item_count between 1 and 50`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('PENDING','DELIVERED','DEAD')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0).check(sql`attempts between 0 and 7`))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('first_attempt_at', 'timestamptz')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('deliveries_pending_next', sql`(status = 'PENDING') = (next_attempt_at is not null)`)
    .execute();
  await db.schema.createIndex('deliveries_due_idx').on('deliveries').column('next_attempt_at').where(sql<boolean>`status = 'PENDING'`).execute();
  await db.schema.createIndex('deliveries_tenant_idx').on('deliveries').columns(['tenant_id', 'created_at']).execute();
  await db.schema.createIndex('deliveries_app_idx').on('deliveries').columns(['app_id', 'created_at']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('privacy_apps.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_attempts_delivery_idx').on('delivery_attempts').columns(['delivery_id', 'attempted_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['delivery_attempts', 'deliveries']) await db.schema.dropTable(t).execute();
}
