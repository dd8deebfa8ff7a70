import { sql, type Kysely } from 'kysely';

/**
 * CALLPLANE_CLOCK=manual: the manual clock's time, one row, so that it survives a restart and is
 * the same for every server on the database. Partial indexes for the sweep that finds subjects
 * overdue by the injected clock whose due-time job was lost (jobs/sweep.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('manual_clock')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('orders_unpaid_expiry_idx').on('orders').column('expires_at').where(sql<boolean>`status = 'UNPAID'`).execute();
  await db.schema.createIndex('numbers_active_term_idx').on('numbers').column('term_end').where(sql<boolean>`status = 'ACTIVE'`).execute();
  await db.schema.createIndex('numbers_expired_grace_idx').on('numbers').column('grace_until').where(sql<boolean>`status = 'EXPIRED'`).execute();
  await db.schema
    .createIndex('applications_materials_due_idx')
    .on('number_applications')
    .column('materials_due_at')
    .where(sql<boolean>`materials_status in ('PENDING', 'REJECTED')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['applications_materials_due_idx', 'numbers_expired_grace_idx', 'numbers_active_term_idx', 'orders_unpaid_expiry_idx'])
    await db.schema.dropIndex(index).execute();
  await db.schema.dropTable('manual_clock').execute();
}
