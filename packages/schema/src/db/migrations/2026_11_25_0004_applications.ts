import { sql, type Kysely } from 'kysely';

/**
 * Number applications (N3) with 400 handler materials (N6), the email outbox, and unsubscribe
 * batches (N7).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence application_ticket_seq`.execute(db);
  await db.schema
    .createTable('number_applications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('ticket_no', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('MARKETING','NON_MARKETING')`))
    .addColumn('scenarios', 'jsonb', (c) => c.notNull().check(sql`jsonb_typeof(scenarios) = 'array' and jsonb_array_length(scenarios) > 0`))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('number_type', 'text', (c) => c.notNull().check(sql`number_type in ('LOCAL','MOBILE','TOLL_FREE_400')`))
    .addColumn('tier', 'text', (c) =>
      c.check(sql`tier is null or tier in ('STANDARD','PREFERRED','SELECTED','GOLD','PLATINUM','VIP','VVIP')`),
    )
    .addColumn('province', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('call_type', 'text', (c) => c.notNull().check(sql`call_type in ('INBOUND_ONLY','INBOUND_OUTBOUND')`))
    .addColumn('contact_name', 'text', (c) => c.notNull())
    .addColumn('contact_mobile', 'text', (c) => c.notNull())
    .addColumn('contact_email', 'text', (c) => c.notNull())
    .addColumn('qualification_id', 'uuid', (c) => c.notNull().references('qualifications.id'))
    // The instances module comes later: kept as given, not yet a foreign key.
    .addColumn('instance_id', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('PENDING_REVIEW','REJECTED','APPROVED','PENDING_PAYMENT','COMPLETED','CLOSED')`),
    )
    .addColumn('number_status', 'text', (c) =>
      c
        .notNull()
        .check(sql`number_status in ('PENDING_REVIEW','REJECTED','APPROVED','ALLOCATING','DELIVERED','TAKING_EFFECT','ACTIVE','RELEASED')`),
    )
    .addColumn('review_reason', 'text')
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('reviewed_by', 'uuid')
    .addColumn('status_reason', 'text')
    .addColumn('order_id', 'uuid', (c) => c.references('orders.id').onDelete('set null'))
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('materials_status', 'text', (c) =>
      c.notNull().check(sql`materials_status in ('NOT_REQUIRED','PENDING','SUBMITTED','APPROVED','REJECTED')`),
    )
    .addColumn('materials_due_at', 'timestamptz')
    .addColumn('materials_handler_id', 'uuid', (c) => c.references('handlers.id').onDelete('set null'))
    .addColumn('materials_submitted_at', 'timestamptz')
    .addColumn('materials_review_reason', 'text')
    .addColumn('materials_reviewed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('number_applications_tier_400', sql`(number_type = 'TOLL_FREE_400') = (tier is not null)`)
    .addCheckConstraint('number_applications_applied_whole_second', sql`applied_at = date_trunc('second', applied_at)`)
    .execute();
  await db.schema
    .createIndex('number_applications_tenant_idx')
    .on('number_applications')
    .columns(['tenant_id', 'status', 'created_at'])
    .execute();
  await db.schema.createIndex('number_applications_created_idx').on('number_applications').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('numbers_application_idx').on('numbers').column('application_id').where(sql<boolean>`application_id is not null`).execute();

  // N6: the four handler documents, stored by the qualifications module (qualification_documents).
  await db.schema
    .createTable('application_materials')
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('number_applications.id').onDelete('cascade'))
    .addColumn('document_id', 'uuid', (c) => c.notNull().references('qualification_documents.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('document_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('application_materials_pk', ['application_id', 'document_id'])
    .execute();

  await db.schema
    .createTable('outbox_emails')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.references('tenants.id').onDelete('cascade'))
    .addColumn('to', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    /** What the email is about (an application id), for tracing. */
    .addColumn('subject_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_emails_tenant_idx').on('outbox_emails').columns(['tenant_id', 'created_at']).execute();

  await db.schema
    .createTable('unsubscribe_batches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('CHECKING','COMPLETED','PARTIAL_SUCCESS','CHECK_FAILED')`))
    .addColumn('requested_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('unsubscribe_batches_tenant_idx').on('unsubscribe_batches').columns(['tenant_id', 'created_at']).execute();

  await db.schema
    .createTable('unsubscribe_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('batch_id', 'uuid', (c) => c.notNull().references('unsubscribe_batches.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('number_id', 'uuid', (c) => c.notNull().references('numbers.id'))
    // The number as it was: after release it belongs to stock, not to the tenant.
    .addColumn('e164', 'text', (c) => c.notNull())
    .addColumn('number_type', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull().check(sql`result in ('CHECKING','RELEASED','FAILED')`))
    .addColumn('reason_code', 'text')
    .addColumn('reason', 'text')
    // N7: monthly fees stop from this month on (the first day of the next month, tenant's time zone).
    .addColumn('fees_end_month', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('unsubscribe_items_position', ['batch_id', 'position'])
    .execute();
  await db.schema.createIndex('unsubscribe_items_number_idx').on('unsubscribe_items').column('number_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['unsubscribe_items', 'unsubscribe_batches', 'outbox_emails', 'application_materials', 'number_applications'])
    await db.schema.dropTable(t).execute();
  await db.schema.dropIndex('numbers_application_idx').execute();
  await sql`drop sequence application_ticket_seq`.execute(db);
}
