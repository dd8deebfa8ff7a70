import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('handlers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('id_number', 'text', (c) => c.notNull())
    .addColumn('mobile', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('handlers_tenant_name', ['tenant_id', 'name'])
    .execute();

  await db.schema
    .createTable('qualifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('STANDARD','TOLL_FREE_400')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('PENDING_REVIEW','APPROVED','REJECTED')`))
    .addColumn('company_name', 'text', (c) => c.notNull())
    .addColumn('credit_code', 'text', (c) => c.notNull().check(sql`char_length(credit_code) = 18`))
    .addColumn('legal_representative', 'text', (c) => c.notNull())
    .addColumn('licence_valid_until', 'date', (c) => c.notNull())
    .addColumn('licence_indefinite', 'boolean', (c) => c.notNull())
    .addColumn('contact_name', 'text', (c) => c.notNull())
    .addColumn('contact_mobile', 'text', (c) => c.notNull())
    .addColumn('contact_email', 'text')
    .addColumn('handler_id', 'uuid', (c) => c.references('handlers.id').onDelete('set null'))
    .addColumn('review_reason', 'text')
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('reviewed_by', 'uuid')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('qualifications_tenant_idx').on('qualifications').columns(['tenant_id', 'status', 'kind']).execute();
  await db.schema.createIndex('qualifications_status_idx').on('qualifications').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('qualification_documents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('qualification_id', 'uuid', (c) => c.notNull().references('qualifications.id').onDelete('cascade'))
    .addColumn('document_type', 'text', (c) =>
      c
        .notNull()
        .check(sql`document_type in ('AUTHORIZATION_LETTER','BUSINESS_ACCEPTANCE_FORM','SECURITY_SERVICE_AGREEMENT','INFORMATION_SECURITY_COMMITMENT')`),
    )
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull().check(sql`size_bytes >= 0`))
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('content', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('qualification_documents_q_idx').on('qualification_documents').column('qualification_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['qualification_documents', 'qualifications', 'handlers']) await db.schema.dropTable(t).execute();
}
