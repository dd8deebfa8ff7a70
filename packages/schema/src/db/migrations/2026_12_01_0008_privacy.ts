import { sql, type Kysely } from 'kysely';

/**
 * Privacy numbers (P1–P7, P9): apps with their signing secrets, number pools (one pool per number
 * at most), bindings, and the routing keys of the active bindings.
 *
 * P3 in the database: `privacy_binding_keys` holds one row per routing key of each ACTIVE binding
 * (an AXB party `P:<e164>`, the AX binding `AX`, an AXE extension `E:<digits>`), primary key
 * (x_e164, key): for one X a number takes part in one AXB binding at most, an X has one AX binding
 * at most, and (X, extension) is unique, whatever the service checked before. The keys of a binding
 * are deleted when it ends. The counted limits (5 000 AXB pairs per X, 5 AX numbers per A) are
 * checked under locks taken in one order: the X's pool row (FOR UPDATE) first, then the advisory
 * lock of (app, A) for AX, then binding rows (modules/privacy/privacy.locks.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('privacy_apps')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // P2: fixed for the app's life
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('AXB','AX','AXE','X')`))
    // P6: AXE only, 1–4 digits
    .addColumn('extension_length', 'integer', (c) => c.check(sql`extension_length between 1 and 4`))
    .addColumn('status_url', 'text')
    .addColumn('cdr_url', 'text')
    .addColumn('sms_url', 'text')
    .addColumn('call_control_url', 'text')
    .addColumn('call_control_timeout_ms', 'integer', (c) => c.notNull().defaultTo(2000).check(sql`call_control_timeout_ms between 100 and 10000`))
    .addColumn('call_control_fallback_e164', 'text')
    .addColumn('secret_created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('previous_secret_valid_until', 'timestamptz')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('privacy_apps_tenant_name', ['tenant_id', 'name'])
    .addCheckConstraint('privacy_apps_axe_length', sql`(mode = 'AXE') = (extension_length is not null)`)
    .addCheckConstraint('privacy_apps_x_control', sql`mode <> 'X' or call_control_url is not null`)
    .execute();
  await db.schema.createIndex('privacy_apps_tenant_idx').on('privacy_apps').columns(['tenant_id', 'created_at']).execute();

  // The secrets themselves (HMAC keys: they must sign, so they are kept, not hashed); no key reads them.
  await db.schema
    .createTable('privacy_app_secrets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('privacy_apps.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // null: the current secret; else valid (signing and accepted) until then
    .addColumn('valid_until', 'timestamptz')
    .execute();
  await db.schema.createIndex('privacy_app_secrets_current').on('privacy_app_secrets').column('app_id').unique().where(sql<boolean>`valid_until is null`).execute();
  await db.schema.createIndex('privacy_app_secrets_app_idx').on('privacy_app_secrets').columns(['app_id', 'created_at']).execute();

  // P1: a number is in one pool at most (number_id unique)
  await db.schema
    .createTable('privacy_pool_numbers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('number_id', 'uuid', (c) => c.notNull().unique().references('numbers.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('privacy_apps.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('e164', 'text', (c) => c.notNull().unique())
    .addColumn('province', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('privacy_pool_app_city_idx').on('privacy_pool_numbers').columns(['app_id', 'city', 'e164']).execute();

  await db.schema
    .createTable('privacy_bindings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('privacy_apps.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('AXB','AX','AXE')`))
    .addColumn('x_number_id', 'uuid', (c) => c.notNull().references('numbers.id'))
    .addColumn('x_e164', 'text', (c) => c.notNull())
    .addColumn('a_e164', 'text', (c) => c.notNull())
    .addColumn('b_e164', 'text')
    .addColumn('extension', 'text', (c) => c.check(sql`extension ~ '^[0-9]{1,4}$'`))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('BOTH','A_TO_B','B_TO_A')`))
    .addColumn('record', 'boolean', (c) => c.notNull())
    .addColumn('max_call_minutes', 'integer', (c) => c.notNull().check(sql`max_call_minutes between 0 and 1440`))
    .addColumn('relay_sms', 'boolean', (c) => c.notNull())
    .addColumn('user_data', 'text', (c) => c.check(sql`char_length(user_data) <= 256`))
    // P5: 0 = permanent, else 60 s – 90 days
    .addColumn('duration_seconds', 'integer', (c) => c.notNull().check(sql`duration_seconds = 0 or duration_seconds between 60 and 7776000`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text', (c) => c.check(sql`end_reason in ('UNBOUND','EXPIRED','NUMBER_RELEASED')`))
    .addColumn('created_by', 'uuid', (c) => c.references('api_keys.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('privacy_bindings_axb_b', sql`(mode = 'AXB') = (b_e164 is not null)`)
    .addCheckConstraint('privacy_bindings_axe_extension', sql`(mode = 'AXE') = (extension is not null)`)
    .addCheckConstraint('privacy_bindings_permanent', sql`(duration_seconds = 0) = (expires_at is null)`)
    .addCheckConstraint('privacy_bindings_ended', sql`(ended_at is null) = (end_reason is null)`)
    .execute();
  await db.schema.createIndex('privacy_bindings_x_open_idx').on('privacy_bindings').columns(['x_number_id', 'created_at']).where(sql<boolean>`ended_at is null`).execute();
  await db.schema
    .createIndex('privacy_bindings_expiry_idx')
    .on('privacy_bindings')
    .column('expires_at')
    .where(sql<boolean>`ended_at is null and expires_at is not null`)
    .execute();
  await db.schema.createIndex('privacy_bindings_app_idx').on('privacy_bindings').columns(['app_id', 'created_at']).execute();
  await db.schema.createIndex('privacy_bindings_tenant_idx').on('privacy_bindings').columns(['tenant_id', 'created_at']).execute();
  await db.schema.createIndex('privacy_bindings_a_idx').on('privacy_bindings').columns(['a_e164', 'created_at']).execute();
  await db.schema.createIndex('privacy_bindings_b_idx').on('privacy_bindings').columns(['b_e164', 'created_at']).where('b_e164', 'is not', null).execute();
  await db.schema.createIndex('privacy_bindings_ax_a_idx').on('privacy_bindings').columns(['app_id', 'a_e164']).where(sql<boolean>`mode = 'AX' and ended_at is null`).execute();

  // P3 / P8: the routing keys of the active bindings (deleted when a binding ends)
  await db.schema
    .createTable('privacy_binding_keys')
    .addColumn('x_e164', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key = 'AX' or key ~ '^(P:\\+[0-9]{6,15}|E:[0-9]{1,4})$'`))
    .addColumn('binding_id', 'uuid', (c) => c.notNull().references('privacy_bindings.id').onDelete('cascade'))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('app_id', 'uuid', (c) => c.notNull().references('privacy_apps.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('privacy_binding_keys_pk', ['x_e164', 'key'])
    .execute();
  await db.schema.createIndex('privacy_binding_keys_binding_idx').on('privacy_binding_keys').column('binding_id').execute();

  // A pool number that stops being its tenant's (unsubscribed, released after its term) leaves the
  // pool, and its bindings end with it, whichever module released it.
  await sql`
    create function privacy_number_owner_changed() returns trigger language plpgsql as $$
    begin
      update privacy_bindings set ended_at = least(coalesce(expires_at, now()), now()), end_reason = 'NUMBER_RELEASED', updated_at = now()
        where x_number_id = old.id and ended_at is null;
      delete from privacy_binding_keys where x_e164 = old.e164;
      delete from privacy_pool_numbers where number_id = old.id;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger privacy_number_owner_changed after update of tenant_id on numbers
    for each row when (new.tenant_id is distinct from old.tenant_id) execute function privacy_number_owner_changed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger privacy_number_owner_changed on numbers`.execute(db);
  await sql`drop function privacy_number_owner_changed()`.execute(db);
  for (const t of ['privacy_binding_keys', 'privacy_bindings', 'privacy_pool_numbers', 'privacy_app_secrets', 'privacy_apps']) await db.schema.dropTable(t).execute();
}
