import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import type { EventNotice } from './events.bus.js';
import { encodeCursor, type Cursor } from './events.cursor.js';
import type { EventType } from './events.types.js';

export interface NewEvent {
  type: EventType;
  tenantId: string | null;
  /** The privacy or voice app the event concerns, if any: its PARTNER keys see it. */
  appId?: string | null;
  subjectId: string;
  payload: Record<string, unknown>;
}

export interface StoredEvent {
  cursor: string;
  type: EventType;
  tenantId: string | null;
  appId: string | null;
  subjectId: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

export async function writeEvent(trx: Transaction<Database>, e: NewEvent, at: Date): Promise<EventNotice> {
  const row = await trx
    .insertInto('events')
    .values({ type: e.type, tenant_id: e.tenantId, app_id: e.appId ?? null, subject_id: e.subjectId, payload: JSON.stringify(e.payload), occurred_at: at })
    .returning(['txid', 'seq'])
    .executeTakeFirstOrThrow();
  return { tenantId: e.tenantId, appId: e.appId ?? null, type: e.type, cursor: encodeCursor({ txid: String(row.txid), seq: row.seq }) };
}

/**
 * The transaction id travels as text (an xid8 outgrows a JS number) under a name of its own: an
 * alias `txid` would shadow the column in ORDER BY, and text sorts '100200' before '99998'.
 * Order and compare by the xid8 column itself, qualified so that no alias can stand in for it.
 */
const TXID_TEXT = sql<string>`events.txid::text`.as('txid_text');
const IN_CURSOR_ORDER = { txid: sql.ref('events.txid'), seq: sql.ref('events.seq') };

export interface EventFilter {
  /** undefined = every tenant (OPERATOR); otherwise only that tenant's events. */
  tenantId?: string;
  /** Only the events of this app (a PARTNER key's). */
  appId?: string;
  /** false: the key may see no event at all (eventScope). */
  visible?: boolean;
  types?: readonly string[];
  subjectId?: string;
}

/** The most events one `events` row holds (the sequence's step). */
export const EVENTS_PER_ROW = 1024;

interface EventTableRow {
  txid_text: string;
  seq: string;
  type: string;
  tenant_id: string | null;
  app_id: string | null;
  subject_id: string;
  payload: unknown;
  occurred_at: Date;
  batch: [string, Record<string, unknown>][] | null;
}

/** The events of a row after `after` (a run's i-th of n is at seq − n + 1 + i), with the subject filter. */
function eventsOfRow(r: EventTableRow, after: Cursor, subjectId: string | undefined, out: StoredEvent[]) {
  const base = { type: r.type as EventType, tenantId: r.tenant_id, appId: r.app_id, occurredAt: r.occurred_at };
  if (!r.batch) {
    if (!subjectId || r.subject_id === subjectId) out.push({ cursor: encodeCursor({ txid: r.txid_text, seq: r.seq }), ...base, subjectId: r.subject_id, payload: r.payload as Record<string, unknown> });
    return;
  }
  const first = BigInt(r.seq) - BigInt(r.batch.length) + 1n;
  const from = BigInt(r.txid_text) === BigInt(after.txid) ? BigInt(after.seq) - first + 1n : 0n;
  for (let i = from > 0n ? Number(from) : 0; i < r.batch.length; i++) {
    const [subject, payload] = r.batch[i]!;
    if (!subjectId || subject === subjectId) out.push({ cursor: encodeCursor({ txid: r.txid_text, seq: String(first + BigInt(i)) }), ...base, subjectId: subject, payload });
  }
}

/**
 * Events after `after`, in cursor order, only from transactions below the snapshot's xmin:
 * every transaction that could still commit has a larger txid, so a reader that resumes
 * from the last cursor it saw never skips one (RT1). At most `limit`; fewer only when no more
 * are readable. A row holding a run is read while its last event is after `after`.
 */
export async function readEventsAfter(
  db: Kysely<Database>,
  after: Cursor,
  filter: EventFilter,
  limit: number,
): Promise<StoredEvent[]> {
  if (filter.visible === false) return [];
  const out: StoredEvent[] = [];
  for (let from = after; ; ) {
    let q = db
      .selectFrom('events')
      .select(['seq', TXID_TEXT, 'type', 'tenant_id', 'app_id', 'subject_id', 'payload', 'occurred_at', 'batch'])
      .where(sql<boolean>`(txid, seq) > (${from.txid}::xid8, ${from.seq}::bigint)`)
      .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`)
      .orderBy(IN_CURSOR_ORDER.txid)
      .orderBy(IN_CURSOR_ORDER.seq)
      .limit(limit);
    if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.appId !== undefined) q = q.where('app_id', '=', filter.appId);
    if (filter.types?.length) q = q.where('type', 'in', [...filter.types]);
    // a run's subjects are in its batch: its rows are read and filtered here
    if (filter.subjectId) q = q.where((eb) => eb.or([eb('subject_id', '=', filter.subjectId!), eb('batch', 'is not', null)]));
    const rows = (await q.execute()) as EventTableRow[];
    for (const r of rows) eventsOfRow(r, after, filter.subjectId, out);
    if (out.length >= limit) return out.slice(0, limit);
    if (rows.length < limit) return out;
    const last = rows.at(-1)!;
    from = { txid: last.txid_text, seq: last.seq };
  }
}

/** True when events after the cursor exist but are not yet readable (an older transaction is open). */
export async function hasInvisibleEvents(db: Kysely<Database>, after: Cursor): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select(sql<number>`1`.as('one'))
    .where(sql<boolean>`(txid, seq) > (${after.txid}::xid8, ${after.seq}::bigint)`)
    .where(sql<boolean>`txid >= pg_snapshot_xmin(pg_current_snapshot())`)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** The position of the newest readable event: where a subscription without `after` starts. */
export async function headCursor(db: Kysely<Database>): Promise<Cursor> {
  const row = await db
    .selectFrom('events')
    .select([TXID_TEXT, 'seq'])
    .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy(IN_CURSOR_ORDER.txid, 'desc')
    .orderBy(IN_CURSOR_ORDER.seq, 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { txid: row.txid_text, seq: row.seq } : { txid: '0', seq: '0' };
}

/**
 * Where a subscription without `after` starts: the newest readable event, plus the events that
 * already committed above it (their transaction began while an older one was still open). Both
 * are read in one snapshot, so the stream skips exactly what happened before it began.
 */
export async function liveStart(db: Kysely<Database>): Promise<{ cursor: Cursor; committedAhead: Set<string> }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const cursor = await headCursor(trx);
      const ahead = await trx
        .selectFrom('events')
        .select([TXID_TEXT, 'seq', sql<number>`coalesce(jsonb_array_length(batch), 1)`.as('n')])
        .where(sql<boolean>`(txid, seq) > (${cursor.txid}::xid8, ${cursor.seq}::bigint)`)
        .execute();
      // a run's events are at seq − n + 1 … seq
      const cursors = ahead.flatMap((r) => Array.from({ length: r.n }, (_, i) => encodeCursor({ txid: r.txid_text, seq: String(BigInt(r.seq) - BigInt(r.n - 1 - i)) })));
      return { cursor, committedAhead: new Set(cursors) };
    });
}

export interface VisibilityHold {
  pid: number;
  database: string | null;
  /** Seconds since the transaction began. */
  ageSeconds: number;
}

/**
 * The oldest open transaction that has written (holds a transaction id) anywhere in the cluster:
 * events are read only below it (RT1), so while it runs, newer events wait. null when none.
 */
export async function oldestOpenWriter(db: Kysely<Database>): Promise<VisibilityHold | null> {
  const { rows } = await sql<{ pid: number; datname: string | null; age: number }>`
    select pid, datname, extract(epoch from clock_timestamp() - xact_start)::float8 as age
    from pg_stat_activity
    where backend_xid is not null and pid <> pg_backend_pid()
    order by age(backend_xid) desc
    limit 1`.execute(db);
  const r = rows[0];
  return r ? { pid: r.pid, database: r.datname, ageSeconds: Math.max(0, r.age) } : null;
}
