import { sql, type Kysely } from 'kysely';

/**
 * Less work per reported call event (issue 13, C1/C2), semantics kept:
 *
 * - `call_events` loses `call_events_call_idx` and `call_events_tenant_idx`: nothing reads call
 *   events by call or by tenant (no query, export or job; the stream of a call's events is the
 *   outbox `events`), and each cost an index insertion per event. Its primary key stays.
 * - `call_event_ids` loses its foreign key to `tenants`: its tenant id is always that of a call row
 *   the same transaction holds locked (whose own foreign key checks it), and the check locked the
 *   tenant's row FOR KEY SHARE once per event, from every reporting transaction at once. Like the
 *   partitioned `call_events`, the rows are trimmed by retention (`occurred_at`), not by a cascade.
 * - The foreign keys of `calls` that a new call's insert sets (tenant, app, number, binding) are
 *   checked at commit (DEFERRABLE INITIALLY DEFERRED): a batch inserts its new calls and then
 *   updates them, and PostgreSQL checks every key of a row again when the transaction that
 *   inserted it updates it; deferred, the inserted version is dead by commit and is skipped, so each
 *   key is checked once. Nothing in the code catches a foreign key violation as it happens.
 */
const DEFERRED = ['calls_tenant_id_fkey', 'calls_app_id_fkey', 'calls_number_id_fkey', 'calls_binding_id_fkey'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists call_events_call_idx`.execute(db);
  await sql`drop index if exists call_events_tenant_idx`.execute(db);
  await sql`alter table call_event_ids drop constraint if exists call_event_ids_tenant_id_fkey`.execute(db);
  for (const name of DEFERRED) await sql`alter table calls alter constraint ${sql.raw(name)} deferrable initially deferred`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of DEFERRED) await sql`alter table calls alter constraint ${sql.raw(name)} not deferrable`.execute(db);
  await sql`alter table call_event_ids add constraint call_event_ids_tenant_id_fkey foreign key (tenant_id) references tenants(id) on delete cascade`.execute(db);
  await sql`create index call_events_call_idx on call_events (call_id, occurred_at)`.execute(db);
  await sql`create index call_events_tenant_idx on call_events (tenant_id, occurred_at)`.execute(db);
}
