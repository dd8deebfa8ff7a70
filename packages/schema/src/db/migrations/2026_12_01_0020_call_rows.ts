import { sql, type Kysely } from 'kysely';

const LIVE = [
  ['calls_live_tenant_idx', 'tenant_id, created_at'],
  ['calls_live_app_idx', 'app_id, created_at'],
  ['calls_live_instance_idx', 'instance_id, created_at'],
] as const;

async function liveIndexes(db: Kysely<any>, predicate: string) {
  for (const [name, cols] of LIVE) {
    await sql`drop index if exists ${sql.raw(name)}`.execute(db);
    await sql`create index ${sql.raw(name)} on calls (${sql.raw(cols)}) where ${sql.raw(predicate)}`.execute(db);
  }
}

/**
 * Fewer rows and index entries per reported call event (issue 13, C1), semantics kept:
 *
 * - The switch's event ids are kept on their call (`calls.event_ids`) instead of in
 *   `call_event_ids` (a row and two index entries per event). A batch holds its calls locked (or
 *   inserts them, under the unique switch call id), so a repeated report is recognised in memory
 *   against the locked row, exactly, whatever time it carries. A repeat is the same event of the
 *   same call; the ids leave with their call (retention deletes ended calls).
 * - The live-call indexes are partial on `ended_at is null` instead of `state <> 'ENDED'` (the
 *   same rows: a call is ENDED exactly when it has an end time), and `calls` leaves a fifth of
 *   each page free: an event that changes a call's state but not its end (ALERTING, QUEUED,
 *   ANSWER) then updates the row in place (a HOT update: no new entry in any of its five indexes).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table calls add column event_ids text[] not null default '{}'`.execute(db);
  await sql`
    update calls set event_ids = e.ids
    from (select call_id, array_agg(switch_event_id order by occurred_at) as ids from call_events group by call_id) e
    where e.call_id = calls.id`.execute(db);
  await sql`drop table call_event_ids`.execute(db);
  await liveIndexes(db, 'ended_at is null');
  await sql`alter table calls set (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table calls reset (fillfactor)`.execute(db);
  await liveIndexes(db, `state <> 'ENDED'`);
  await sql`
    create table call_event_ids (tenant_id uuid not null, switch_event_id text not null, occurred_at timestamptz not null,
      constraint call_event_ids_pk primary key (tenant_id, switch_event_id))`.execute(db);
  await sql`create index call_event_ids_occurred_idx on call_event_ids (occurred_at)`.execute(db);
  await sql`
    insert into call_event_ids (tenant_id, switch_event_id, occurred_at)
    select distinct on (c.tenant_id, e.switch_event_id) c.tenant_id, e.switch_event_id, c.created_at
    from calls c cross join unnest(c.event_ids) as e(switch_event_id)`.execute(db);
  await sql`alter table calls drop column event_ids`.execute(db);
}
