import { sql, type Kysely } from 'kysely';

/**
 * SMS to privacy numbers (C4, P9). `sms_messages` is partitioned by month on the time the SMS was
 * sent, like call_events and cdrs (modules/calls/calls.partitions.ts makes and drops its partitions
 * with theirs): a 31-day query reads two partitions at most, retention drops whole months.
 *
 * A unique key of a partitioned table must contain the partition key, and a repeated report may
 * carry another time: the switch's message ids are made unique per tenant in the small
 * non-partitioned `sms_message_ids`, which also names the SMS first stored under the id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sms_messages (
      id uuid not null default gen_random_uuid(),
      tenant_id uuid not null,
      app_id uuid not null,
      binding_id uuid,
      message_id text not null,
      from_e164 text not null,
      to_e164 text not null,
      relayed_to_e164 text,
      relay_status text not null check (relay_status in ('RELAYED','NOT_RELAYED')),
      not_relayed_reason text,
      text text not null,
      user_data text,
      sent_at timestamptz not null,
      created_at timestamptz not null,
      primary key (id, sent_at)
    ) partition by range (sent_at)`.execute(db);
  for (const [name, cols] of [
    ['sms_messages_tenant_idx', 'tenant_id, sent_at'],
    ['sms_messages_app_idx', 'app_id, sent_at'],
    ['sms_messages_binding_idx', 'binding_id, sent_at'],
    ['sms_messages_from_idx', 'from_e164, sent_at'],
    ['sms_messages_to_idx', 'to_e164, sent_at'],
    ['sms_messages_relayed_idx', 'relayed_to_e164, sent_at'],
  ] as const)
    await sql`create index ${sql.raw(name)} on sms_messages (${sql.raw(cols)})`.execute(db);

  await db.schema
    .createTable('sms_message_ids')
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('sms_id', 'uuid', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_message_ids_pk', ['tenant_id', 'message_id'])
    .execute();
  await db.schema.createIndex('sms_message_ids_sent_idx').on('sms_message_ids').column('sent_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['sms_message_ids', 'sms_messages']) await db.schema.dropTable(t).execute();
}
