import { sql, type Kysely } from 'kysely';

/**
 * C1 (issue 13, call ingest): a call's row gets a new version per event, and ALERTING and ANSWER
 * change no indexed column. With half of each page left free (fillfactor 50) PostgreSQL keeps
 * those versions on the row's own page as heap-only tuples, so none of the calls' five indexes
 * grows. With full pages (the default 100) nearly every version moved to another page and was
 * indexed again everywhere: 12 % of the updates in `pnpm bench ingest` were heap-only, now 43 %
 * (of at most 47 %: the DISCONNECT sets `ended_at`, which the indexes hold). The price is a calls
 * table about twice as large on disk; the CDRs, which hold the long-term record, are unchanged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table calls set (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table calls reset (fillfactor)`.execute(db);
}
