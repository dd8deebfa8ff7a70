import { sql, type Kysely } from 'kysely';

/**
 * C3 at scale: an index of the deliveries not delivered (PENDING and DEAD) by tenant and time. The
 * webhooks page's dead letters and pending deliveries (`deliveries(status:)`) are then read from
 * it, not by walking the tenant's delivered ones, which are nearly all of them. A delivery leaves
 * it when it is delivered (that update is not HOT anyway: `status` is in deliveries_due_idx).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index deliveries_open_idx on deliveries (tenant_id, created_at) where status <> 'DELIVERED'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists deliveries_open_idx`.execute(db);
}
