import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { serviceWorld, type ServiceWorld } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { inTransaction } from '../../db/transaction.js';
import { START, decodeCursor } from './events.cursor.js';
import { readEventsAfter } from './events.service.js';
import { streamEvents, type StreamStats } from './events.stream.js';
import { sharedReader } from './events.fanout.js';
import { bufferedEvents } from '../calls/calls.outbox.js';

let w: ServiceWorld;
beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

const emit = (tenantId: string | null, subjectId: string) =>
  inTransaction(w.ctx(), (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId, subjectId, payload: { subjectId } }));

describe('events (RT1–RT3)', () => {
  it('RT1: transactions committing in the opposite order of their sequence are both seen by a reader resuming between them', async () => {
    const before = await readEventsAfter(w.db, START, {}, 10_000);
    const cursor0 = before.length ? decodeCursor(before.at(-1)!.cursor) : START;
    // T1 writes first (smaller seq) but commits last.
    const t1 = await w.db.connection().execute(async (c1) => {
      await sql`begin`.execute(c1);
      await sql`insert into events (type, tenant_id, subject_id, payload, occurred_at) values ('TENANT_CREATED', null, 't1', '{}', now())`.execute(c1);
      await inTransaction(w.ctx(), (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId: null, subjectId: 't2', payload: {} }));
      // T2 has committed; a reader now must not move its cursor past T1's position.
      const mid = await readEventsAfter(w.db, cursor0, {}, 100);
      expect(mid.map((e) => e.subjectId)).not.toContain('t2');
      await sql`commit`.execute(c1);
      return mid;
    });
    const resumeFrom = t1.length ? decodeCursor(t1.at(-1)!.cursor) : cursor0;
    const after = await readableEvents(w.db, {}, { after: resumeFrom });
    expect(after.map((e) => e.subjectId)).toEqual(['t1', 't2']);
  });

  it('RT3: a stream replays after the cursor, then goes live, with no gap and no duplicate', async () => {
    const tenant = await w.tenant('Stream Co');
    const start = (await readableEvents(w.db, {}, { limit: 10_000 })).at(-1)!.cursor;
    await emit(tenant.tenantId, 'a');
    await emit(tenant.tenantId, 'b');
    await emit(null, 'not-mine');
    const stream = streamEvents(w, { after: decodeCursor(start), filter: { tenantId: tenant.tenantId } });
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value.subjectId).toBe('a');
    expect((await it.next()).value.subjectId).toBe('b');
    const live = it.next();
    await emit(tenant.tenantId, 'c');
    expect((await live).value.subjectId).toBe('c');
    await it.return?.();
  });

  it('RT3: a slow subscriber holds at most one page, and still receives every event in order', async () => {
    const tenant = await w.tenant('Slow Co');
    const start = (await readableEvents(w.db, {}, { limit: 10_000 })).at(-1)!.cursor;
    const stats: StreamStats = { buffered: 0, maxBuffered: 0 };
    const stream = streamEvents(w, { after: decodeCursor(start), filter: { tenantId: tenant.tenantId }, pageSize: 50 }, stats);
    const it = stream[Symbol.asyncIterator]();
    const first = it.next();
    // 1 000 events arrive while the subscriber takes nothing.
    await inTransaction(w.ctx(), async (tx) => {
      for (let i = 0; i < 1000; i++) await tx.emit({ type: 'TENANT_CREATED', tenantId: tenant.tenantId, subjectId: String(i), payload: {} });
    });
    expect((await first).value.subjectId).toBe('0');
    const got = ['0'];
    while (got.length < 1000) got.push((await it.next()).value.subjectId);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    expect(stats.maxBuffered).toBeLessThanOrEqual(50);
    await it.return?.();
  });

  it('RT1/RT3: a run of events in one outbox row reads as its events, each at its own cursor: resumed inside the run, paged through it, filtered by subject, and skipped by a stream that starts after it', async () => {
    const tenant = await w.tenant('Run Co');
    const start = decodeCursor((await readableEvents(w.db, {}, { limit: 10_000 })).at(-1)!.cursor);
    // 700 CALL_EVENTs of one tenant around an event of another type, through the ingest's outbox writer
    const notices = await inTransaction(w.ctx(), async (plain) => {
      const tx = bufferedEvents(plain);
      for (let i = 0; i < 700; i++) {
        await tx.emit({ type: 'CALL_EVENT', tenantId: tenant.tenantId, appId: null, subjectId: `call-${i}`, payload: { i } });
        if (i === 350) await tx.emit({ type: 'TENANT_CREATED', tenantId: tenant.tenantId, subjectId: 'other', payload: {} });
      }
      return tx.flushEvents();
    });
    const rows = await w.db.selectFrom('events').select(sql<number>`coalesce(jsonb_array_length(batch), 1)`.as('n')).where(sql<boolean>`txid = ${decodeCursor(notices[0]!.cursor).txid}::xid8`).orderBy('seq').execute();
    expect(rows.map((r) => r.n)).toEqual([700, 1]);
    // the run's value is compressed with lz4 where PostgreSQL has it (migration 0024), pglz elsewhere
    const lz4 = (await sql<{ lz4: boolean }>`select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(w.db)).rows[0]!.lz4;
    const compression = await w.db.selectFrom('events').select(sql<string>`pg_column_compression(batch)`.as('c')).where(sql<boolean>`txid = ${decodeCursor(notices[0]!.cursor).txid}::xid8 and batch is not null`).executeTakeFirstOrThrow();
    expect(compression.c).toBe(lz4 ? 'lz4' : 'pglz');
    const all = await readableEvents(w.db, { tenantId: tenant.tenantId }, { after: start, limit: 10_000 });
    expect(all.map((e) => e.subjectId)).toEqual([...Array.from({ length: 700 }, (_, i) => `call-${i}`), 'other']);
    // one notice per row: the run's announces its last event, with the count
    expect(notices.map((n) => [n.type, n.cursor, n.count ?? 1])).toEqual([['CALL_EVENT', all[699]!.cursor, 700], ['TENANT_CREATED', all[700]!.cursor, 1]]);
    expect(all.map((e) => e.payload)).toEqual([...Array.from({ length: 700 }, (_, i) => ({ i })), {}]);
    // resumed from inside the run, and paged in 64s: every event once, in order
    const paged: string[] = [];
    for (let from = decodeCursor(all[99]!.cursor); ; ) {
      const page = await readEventsAfter(w.db, from, { tenantId: tenant.tenantId }, 64);
      paged.push(...page.map((e) => e.subjectId));
      if (page.length < 64) break;
      from = decodeCursor(page.at(-1)!.cursor);
    }
    expect(paged).toEqual(all.slice(100).map((e) => e.subjectId));
    expect((await readEventsAfter(w.db, start, { tenantId: tenant.tenantId, subjectId: 'call-650' }, 10)).map((e) => e.cursor)).toEqual([all[650]!.cursor]);
    expect((await readEventsAfter(w.db, start, { tenantId: tenant.tenantId, types: ['TENANT_CREATED'] }, 10)).map((e) => e.subjectId)).toEqual(['other']);
    // a stream without `after` starts after the run: it sees the next event only (emitted once the
    // stream has taken its live start and joined the shared reader, else it would start after that too)
    const joined = sharedReader(w.db, w.bus).size;
    const stream = streamEvents(w, { after: null, filter: { tenantId: tenant.tenantId } });
    const it = stream[Symbol.asyncIterator]();
    const next = it.next();
    await expect.poll(() => sharedReader(w.db, w.bus).size).toBe(joined + 1);
    await emit(tenant.tenantId, 'after-run');
    expect((await next).value.subjectId).toBe('after-run');
    await it.return?.();
  });
});
