import { sql, type Kysely } from 'kysely';

/**
 * Voice apps' status pushes (V3 outcomes over the C3 machinery):
 *
 * - `voice_app_secrets`: the signing secrets of voice apps, as `privacy_app_secrets` holds those of
 *   privacy apps (kept, not hashed: they sign; read by no key); `voice_apps.secret_created_at` and
 *   `previous_secret_valid_until` as on privacy apps. Voice apps made before this migration get a
 *   secret here (random, never shown: rotate it to learn one).
 * - `deliveries` and `delivery_attempts` belong to a privacy OR a voice app. `app_id` stays the one
 *   column the read policy's APP rule scopes by (a PARTNER key's app: either kind), so it loses its
 *   foreign key to privacy_apps; `deliveries.app_kind` ('PRIVACY' | 'VOICE', default PRIVACY for the
 *   rows there already) says which, and two generated columns, `privacy_app_id` / `voice_app_id`
 *   (the app_id of that kind, else null), keep a real foreign key (cascading) to each apps table.
 *   An attempt's app is its delivery's (its delivery_id cascades). Kind `VOICE_STATUS` (a voice
 *   message's outcome, to voice_apps.status_url) is a voice app's kind and only its.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('voice_apps').addColumn('secret_created_at', 'timestamptz').addColumn('previous_secret_valid_until', 'timestamptz').execute();
  await db.schema
    .createTable('voice_app_secrets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('voice_apps.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // null: the current secret; else valid (signing and accepted) until then
    .addColumn('valid_until', 'timestamptz')
    .execute();
  await db.schema.createIndex('voice_app_secrets_current').on('voice_app_secrets').column('app_id').unique().where(sql<boolean>`valid_until is null`).execute();
  await db.schema.createIndex('voice_app_secrets_app_idx').on('voice_app_secrets').columns(['app_id', 'created_at']).execute();
  // 64 random hex digits (two v4 UUIDs: 244 random bits) for the apps there already
  await sql`
    insert into voice_app_secrets (app_id, tenant_id, secret, created_at)
    select id, tenant_id, 'whsec_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), created_at from voice_apps`.execute(db);
  await sql`update voice_apps set secret_created_at = created_at`.execute(db);

  await sql`alter table deliveries drop constraint deliveries_app_id_fkey`.execute(db);
  await sql`alter table delivery_attempts drop constraint delivery_attempts_app_id_fkey`.execute(db);
  await sql`alter table deliveries drop constraint deliveries_kind_check`.execute(db);
  await sql`alter table deliveries add constraint deliveries_kind_check check (kind in ('CDR','CALL_STATUS','SMS','VOICE_STATUS'))`.execute(db);
  await sql`alter table deliveries add column app_kind text not null default 'PRIVACY' check (app_kind in ('PRIVACY','VOICE'))`.execute(db);
  await sql`alter table deliveries add constraint deliveries_kind_of_app check ((kind = 'VOICE_STATUS') = (app_kind = 'VOICE'))`.execute(db);
  await sql`alter table deliveries
    add column privacy_app_id uuid generated always as (case when app_kind = 'PRIVACY' then app_id end) stored references privacy_apps (id) on delete cascade,
    add column voice_app_id uuid generated always as (case when app_kind = 'VOICE' then app_id end) stored references voice_apps (id) on delete cascade`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from deliveries where app_kind = 'VOICE'`.execute(db);
  await sql`alter table deliveries drop column voice_app_id, drop column privacy_app_id, drop constraint deliveries_kind_of_app, drop column app_kind`.execute(db);
  await sql`alter table deliveries drop constraint deliveries_kind_check`.execute(db);
  await sql`alter table deliveries add constraint deliveries_kind_check check (kind in ('CDR','CALL_STATUS','SMS'))`.execute(db);
  await sql`alter table deliveries add constraint deliveries_app_id_fkey foreign key (app_id) references privacy_apps (id) on delete cascade`.execute(db);
  await sql`alter table delivery_attempts add constraint delivery_attempts_app_id_fkey foreign key (app_id) references privacy_apps (id) on delete cascade`.execute(db);
  await db.schema.dropTable('voice_app_secrets').execute();
  await db.schema.alterTable('voice_apps').dropColumn('secret_created_at').dropColumn('previous_secret_valid_until').execute();
}
