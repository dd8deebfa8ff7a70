import { sql, type Kysely } from 'kysely';

/** Whether this PostgreSQL was built with lz4 (`default_toast_compression` lists it). */
async function hasLz4(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ lz4: boolean }>`select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(db);
  return rows[0]?.lz4 === true;
}

/**
 * RT1 (issue 13, call ingest): the outbox's large values (a report's run of events in `batch`,
 * ~130 KB of JSON for 500 call events) are compressed with lz4 instead of pglz, the default:
 * pglz cost PostgreSQL ~1.1 ms per run row (about 2 µs per call event), lz4 a third of it, and
 * lz4 reads back faster for the followers (RT5). Where PostgreSQL was built without lz4, pglz stays.
 * Values already written keep their compression.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (await hasLz4(db)) await sql`alter table events alter column batch set compression lz4, alter column payload set compression lz4`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table events alter column batch set compression default, alter column payload set compression default`.execute(db);
}
