import { sql, type Kysely } from 'kysely';

/**
 * Less work per reported call event (issue 13, C1/C2), semantics kept:
 *
 * - `call_events` loses `call_events_call_idx` and `call_events_tenant_idx`: nothing reads call
 *   events by call or by tenant (no query, export or job; the stream of a call's events is the
 *   outbox `events`), and each cost an index insertion per event. Its primary key stays.
 * - `call_event_ids` loses its foreign key to `tenants`: its tenant id is always that of a call the
 *   same transaction holds locked or inserts (whose own foreign key checks it), and the check locked the
 *   tenant's row FOR KEY SHARE once per event, from every reporting transaction at once. Like the
 *   partitioned `call_events`, the rows are trimmed by retention (`occurred_at`), not by a cascade.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists call_events_call_idx`.execute(db);
  await sql`drop index if exists call_events_tenant_idx`.execute(db);
  await sql`alter table call_event_ids drop constraint if exists call_event_ids_tenant_id_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table call_event_ids add constraint call_event_ids_tenant_id_fkey foreign key (tenant_id) references tenants(id) on delete cascade`.execute(db);
  await sql`create index call_events_call_idx on call_events (call_id, occurred_at)`.execute(db);
  await sql`create index call_events_tenant_idx on call_events (tenant_id, occurred_at)`.execute(db);
}
