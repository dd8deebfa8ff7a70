import { sql, type Kysely } from 'kysely';

/**
 * Fewer index entries and checks per new call (issue 13, C1), the same reads:
 *
 * - `calls_live_app_idx` and `calls_live_instance_idx` hold only the calls that have an app (a
 *   privacy call) or an instance (a call-center call). Every query of them names one
 *   (`app_id = …`, `instance_id = …`, which PostgreSQL knows is not null), and each call had an
 *   entry with a null key in the index it never appears in.
 * - `calls` loses its foreign keys to `tenants`, `privacy_apps` and `numbers`, three locking
 *   look-ups per new call. The call ingest takes these ids from the number's row it has just read
 *   in the same transaction (calls.resolve.ts), and no tenant, app or number row is ever deleted
 *   (a number is released, an app keeps its row). Like `call_events` and `cdrs`, which never had
 *   them, the rows keep the ids they were written with. The foreign keys to instances, bindings,
 *   skill groups and agents stay: those rows can be deleted (set null), and a privacy call has
 *   none of them, so they cost nothing there.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists calls_live_app_idx`.execute(db);
  await sql`create index calls_live_app_idx on calls (app_id, created_at) where ended_at is null and app_id is not null`.execute(db);
  await sql`drop index if exists calls_live_instance_idx`.execute(db);
  await sql`create index calls_live_instance_idx on calls (instance_id, created_at) where ended_at is null and instance_id is not null`.execute(db);
  await sql`alter table calls drop constraint if exists calls_tenant_id_fkey, drop constraint if exists calls_app_id_fkey, drop constraint if exists calls_number_id_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table calls add constraint calls_tenant_id_fkey foreign key (tenant_id) references tenants(id) on delete cascade`.execute(db);
  await sql`alter table calls add constraint calls_app_id_fkey foreign key (app_id) references privacy_apps(id) on delete set null`.execute(db);
  await sql`alter table calls add constraint calls_number_id_fkey foreign key (number_id) references numbers(id) on delete set null`.execute(db);
  await sql`drop index if exists calls_live_app_idx`.execute(db);
  await sql`create index calls_live_app_idx on calls (app_id, created_at) where ended_at is null`.execute(db);
  await sql`drop index if exists calls_live_instance_idx`.execute(db);
  await sql`create index calls_live_instance_idx on calls (instance_id, created_at) where ended_at is null`.execute(db);
}
