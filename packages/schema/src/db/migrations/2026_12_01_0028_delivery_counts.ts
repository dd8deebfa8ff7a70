import { sql, type Kysely } from 'kysely';

/** Each statement's change of DELIVERED rows, per tenant and app, added to the shard of its transaction (locks taken in one order). */
const APPLY = (rows: string) => `
  insert into delivery_counts (tenant_id, app_id, shard, delivered)
  select tenant_id, app_id, (txid_current() % 8)::smallint, sum(d) from (${rows}) x
  group by tenant_id, app_id having sum(d) <> 0 order by tenant_id, app_id
  on conflict (tenant_id, app_id, shard) do update set delivered = delivery_counts.delivered + excluded.delivered`;
const DELIVERED_IN = (table: string, d: number) => `select tenant_id, app_id, ${d} as d from ${table} where status = 'DELIVERED'`;

const TRIGGERS = [
  ['insert', 'new table as new_rows', DELIVERED_IN('new_rows', 1)],
  ['update', 'new table as new_rows old table as old_rows', `${DELIVERED_IN('new_rows', 1)} union all ${DELIVERED_IN('old_rows', -1)}`],
  ['delete', 'old table as old_rows', DELIVERED_IN('old_rows', -1)],
] as const;

/**
 * C3 at scale: the number of DELIVERED deliveries per tenant and app, kept by statement triggers,
 * so that `webhookHealth.delivered` (the overview's webhook tile, re-read as deliveries change)
 * sums a few counter rows instead of counting every delivery the tenant has. The counter of a
 * tenant and app is split in 8 rows (by transaction) so that concurrent deliveries rarely wait on
 * one another; the triggers fire once per statement, from its transition tables (an update that
 * changes no status, a claim, adds nothing and locks nothing), and lock the counters in (tenant,
 * app) order. No foreign key: a tenant's deletion cascades to its deliveries, whose trigger must
 * not find the tenant gone. Existing deliveries are counted once here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table delivery_counts (
      tenant_id uuid not null,
      app_id uuid not null,
      shard smallint not null,
      delivered bigint not null,
      primary key (tenant_id, app_id, shard)
    )`.execute(db);
  await sql`insert into delivery_counts select tenant_id, app_id, 0, count(*) from deliveries where status = 'DELIVERED' group by 1, 2`.execute(db);
  for (const [i, [event, transition, rows]] of TRIGGERS.entries()) {
    await sql.raw(`create function delivery_counts_${i}() returns trigger language plpgsql as $$ begin ${APPLY(rows)}; return null; end $$`).execute(db);
    await sql.raw(`create trigger delivery_counts_${i} after ${event} on deliveries referencing ${transition} for each statement execute function delivery_counts_${i}()`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of TRIGGERS.keys()) {
    await sql.raw(`drop trigger if exists delivery_counts_${i} on deliveries`).execute(db);
    await sql.raw(`drop function if exists delivery_counts_${i}()`).execute(db);
  }
  await sql`drop table if exists delivery_counts`.execute(db);
}
