import { sql, type Kysely } from 'kysely';

/**
 * C2, P9: `cdrs(number:)` finds a number as caller, called, callee or X. Each of the four had to be
 * indexed for PostgreSQL to answer the OR from indexes (a BitmapOr); `called_e164` was not, so
 * every number search read all of the tenant's CDRs of the window, and the three other indexes
 * were written on every CDR for nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists cdrs_called_idx on cdrs (called_e164, ended_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists cdrs_called_idx`.execute(db);
}
