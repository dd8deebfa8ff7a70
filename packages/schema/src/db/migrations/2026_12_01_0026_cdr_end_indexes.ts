import { sql, type Kysely } from 'kysely';

/** The CDR indexes by owner, each with the column it was on (created_at) and what it is on now (ended_at); the last three only where the column has a value (0023). */
const BY_OWNER = [
  ['cdrs_tenant_idx', 'tenant_id', null],
  ['cdrs_app_idx', 'app_id', 'app_id'],
  ['cdrs_instance_idx', 'instance_id', 'instance_id'],
  ['cdrs_binding_idx', 'binding_id', 'binding_id'],
] as const;

async function rebuild(db: Kysely<any>, time: 'created_at' | 'ended_at') {
  for (const [name, col, partial] of BY_OWNER) {
    await sql`drop index if exists ${sql.raw(name)}`.execute(db);
    await sql`create index ${sql.raw(name)} on cdrs (${sql.raw(col)}, ${sql.raw(time)})${partial ? sql.raw(` where ${partial} is not null`) : sql``}`.execute(db);
  }
}

/**
 * C2 (issue 13, CDRs at a billion rows): the CDR indexes by tenant, app, instance and binding are
 * on the call's end (ended_at), the column every CDR window is on (the 31-day lists, the CSV
 * export, the last hour's calls-per-minute chart) and the partition key, instead of created_at. A
 * tenant's window is then one index range in one or two monthly partitions: the chart read the
 * whole month's partition (a sequential scan) and a past window every row stored after it. The
 * lists are ordered by ended_at to match (graphql/connection.ts `keysetConnection` time).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, 'ended_at');
}

export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, 'created_at');
}
