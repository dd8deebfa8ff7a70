import { sql, type Kysely } from 'kysely';

/**
 * RT1 (issue 13, call ingest): an outbox row may hold a run of events. The call ingest writes a
 * batch's CALL_EVENTs of one tenant and app as one row (`batch`: [subjectId, payload] pairs)
 * instead of a row, three index entries and ~600 bytes of WAL each. Every event keeps a cursor of
 * its own: the i-th of a row's n events is at (txid, seq − n + 1 + i). `events.seq` steps by
 * 1024 from here on, so a row's events never reach another row's (at most 1024 per row), and a
 * cursor still orders by (txid, seq). Rows written before keep their one event at their seq.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table events add column batch jsonb`.execute(db);
  await sql`alter table events add constraint events_batch_size check (batch is null or jsonb_array_length(batch) between 1 and 1024)`.execute(db);
  await sql.raw(`alter sequence ${await seqName(db)} increment by 1024`).execute(db);
}

async function seqName(db: Kysely<any>): Promise<string> {
  return (await sql<{ name: string }>`select pg_get_serial_sequence('events', 'seq') as name`.execute(db)).rows[0]!.name;
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`alter sequence ${await seqName(db)} increment by 1`).execute(db);
  // a run's events as rows of their own, at their cursors
  await sql`
    insert into events (seq, txid, type, tenant_id, app_id, subject_id, payload, occurred_at)
    select e.seq - jsonb_array_length(e.batch) + x.i, e.txid, e.type, e.tenant_id, e.app_id, x.item->>0, x.item->1, e.occurred_at
    from events e cross join lateral jsonb_array_elements(e.batch) with ordinality as x(item, i)
    where e.batch is not null`.execute(db);
  await sql`delete from events where batch is not null`.execute(db);
  await sql`alter table events drop column batch`.execute(db);
}
