import { sql, type Kysely } from 'kysely';

/**
 * C1 (issue 13, call ingest): the unique key of a call, (tenant, switch call id), is indexed with
 * the switch call id first. The same uniqueness and the same probes for a tenant's key (both
 * columns given); and an OPERATOR's report, which names calls of any tenant, now finds each by its
 * switch call id alone instead of reading every call once per id. Nothing reads calls by tenant
 * through this index: the tenant's lists use the live-call indexes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table calls drop constraint calls_switch_call, add constraint calls_switch_call unique (switch_call_id, tenant_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table calls drop constraint calls_switch_call, add constraint calls_switch_call unique (tenant_id, switch_call_id)`.execute(db);
}
