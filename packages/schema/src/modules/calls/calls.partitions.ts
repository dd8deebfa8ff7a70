// C1, C2, C4, P9: the monthly partitions of call_events, cdrs and sms_messages: created ahead (the
// current month and the next two, by the injected clock) and dropped once older than the retention,
// whole partitions at a time, so that retention costs the same at a thousand rows as at a billion.
import { sql, type Kysely } from 'kysely';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import { systemDb } from '../../access/scope.js';
import { TRIM, trimRows } from '../../db/trim.js';

export const PARTITIONED = ['call_events', 'cdrs', 'sms_messages'] as const;
/** Months created ahead of the current one. */
export const MONTHS_AHEAD = 2;
const monthStart = (d: Date, plus = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));
const suffix = (m: Date) => `${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
export const partitionName = (table: string, at: Date) => `${table}_${suffix(monthStart(at))}`;

/** Partitions known to exist, per database handle (tests run several databases in one process). */
const knownByDb = new WeakMap<object, Set<string>>();
const knownOf = (db: object) => knownByDb.get(db) ?? knownByDb.set(db, new Set()).get(db)!;

/** Creates the month's partition of each partitioned table if it is missing. */
export async function ensureMonth(db: Kysely<Database>, at: Date, cacheKey: object = db): Promise<void> {
  const from = monthStart(at);
  const to = monthStart(at, 1);
  const known = knownOf(cacheKey);
  for (const table of PARTITIONED) {
    const name = partitionName(table, from);
    if (known.has(name)) continue;
    // Inside a transaction, a failed statement would abort it: the create runs under a savepoint,
    // so that losing the race to a concurrent create leaves the transaction usable.
    const inTx = db.isTransaction;
    if (inTx) await sql`savepoint ensure_partition`.execute(db);
    try {
      await sql`create table if not exists ${sql.table(name)} partition of ${sql.table(table)}
        for values from (${sql.lit(from.toISOString())}) to (${sql.lit(to.toISOString())})`.execute(db);
      if (inTx) await sql`release savepoint ensure_partition`.execute(db);
    } catch (err) {
      // another transaction created it between our check and ours
      if ((err as { code?: string }).code !== '42P07' && (err as { code?: string }).code !== '23505') throw err;
      if (inTx) await sql`rollback to savepoint ensure_partition`.execute(db);
    }
    known.add(name);
  }
}

/** The months of these times, each made sure of once per `cacheKey` (one per app and database: its event bus). */
export async function ensureMonthsOf(db: Kysely<Database>, times: readonly Date[], cacheKey: object = db): Promise<void> {
  const months = new Map(times.map((t) => [suffix(monthStart(t)), t]));
  for (const t of months.values()) await ensureMonth(db, t, cacheKey);
}

/** Whether every month of these times is known to have its partitions (no transaction needed then); each month is looked up once. */
export function monthsKnown(times: readonly Date[], cacheKey: object): boolean {
  const known = knownOf(cacheKey);
  const seen = new Set<number>();
  for (const t of times) {
    const month = t.getUTCFullYear() * 12 + t.getUTCMonth();
    if (seen.has(month)) continue;
    seen.add(month);
    if (!PARTITIONED.every((table) => known.has(partitionName(table, t)))) return false;
  }
  return true;
}

/** The oldest time still kept: the start of the month `retention` months before the clock's. */
/** The first instant kept: the start of the month `months` (settings.callRetentionMonths, at least 2 so that P9's 31 days are always there) before this one. */
export const retentionStart = (now: Date, months: number) => monthStart(now, -months);

/**
 * The partition job (a sweep: every minute and on advanceClock): the current month and the next
 * two exist; partitions wholly before the retention start are dropped, and the ended calls and SMS
 * ids of that time trimmed (db/trim.ts). Returns how many partitions it created or dropped.
 */
export async function maintainCallPartitions(ctx: ServiceContext, months = ctx.settings.callRetentionMonths, trim = TRIM): Promise<number> {
  const db = systemDb(ctx);
  const now = ctx.clock.now();
  const known = knownOf(ctx.bus);
  const existing = new Set((await partitionsOf(db)).map((p) => p.name));
  let changed = 0;
  for (let i = 0; i <= MONTHS_AHEAD; i++) {
    const month = monthStart(now, i);
    for (const table of PARTITIONED) if (!existing.has(partitionName(table, month))) known.delete(partitionName(table, month)), changed++;
    await ensureMonth(db, month, ctx.bus);
  }
  const cutoff = retentionStart(now, months);
  for (const p of await partitionsOf(db)) {
    if (p.upper > cutoff) continue;
    await sql`drop table if exists ${sql.table(p.name)}`.execute(db);
    known.delete(p.name);
    changed++;
  }
  // found through their end-time indexes, deleted by row address
  await trimRows(db, 'sms_message_ids', (n) => sql`select ctid from sms_message_ids where sent_at < ${cutoff} limit ${n}`, trim);
  await trimRows(db, 'calls', (n) => sql`select ctid from calls where ended_at < ${cutoff} limit ${n}`, trim);
  return changed;
}

/** The partitions of the partitioned tables with their upper bounds. */
export async function partitionsOf(db: Kysely<Database>): Promise<{ name: string; table: string; upper: Date }[]> {
  const rows = await sql<{ name: string; parent: string; bound: string }>`
    select c.relname as name, p.relname as parent, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname in (${sql.join(PARTITIONED.map((t) => sql.lit(t)))}) order by c.relname`.execute(db);
  return rows.rows.map((r) => ({ name: r.name, table: r.parent, upper: new Date(/TO \('([^']+)'\)/.exec(r.bound)![1]!) }));
}
