import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import {
  connect,
  createEventBus,
  decodeCursor,
  defaultSettings,
  hasInvisibleEvents,
  inTransaction,
  ManualClock,
  readEventsAfter,
  START,
  streamEvents,
  SYSTEM,
  type Cursor,
  type Db,
  type ServiceContext,
  type StoredEvent,
} from '@callplane/schema';
import { boundaryDatabase, nextBoundary } from '../support/xid-boundary.js';

let db: Awaited<ReturnType<typeof boundaryDatabase>>;
let d: Db;
let ctx: ServiceContext;
beforeAll(async () => {
  db = await boundaryDatabase();
  d = connect(db.url, { max: 8 });
  ctx = { db: d.db, clock: new ManualClock(), bus: createEventBus(), actor: SYSTEM, settings: defaultSettings };
}, 120_000);
afterAll(async () => {
  await d?.close();
  await db?.drop();
});

/** One writer: its transactions one after another, each writing events with pauses in between. */
const writer = fc.array(fc.record({ events: fc.integer({ min: 1, max: 3 }), pauseMs: fc.integer({ min: 0, max: 4 }) }), { minLength: 1, maxLength: 3 });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Written {
  subjectId: string;
  txid: bigint;
  position: number;
}

async function runWriter(id: string, transactions: { events: number; pauseMs: number }[], out: Written[]) {
  for (const [n, spec] of transactions.entries())
    await inTransaction(ctx, async (tx) => {
      const mine: Written[] = [];
      for (let i = 0; i < spec.events; i++) {
        await tx.emit({ type: 'TENANT_CREATED', tenantId: null, subjectId: `${id}.${n}.${i}`, payload: {} });
        // pauses inside the transaction let writers take ids in one order and commit in another
        await pause(spec.pauseMs);
      }
      const txid = BigInt((await sql<{ x: string }>`select pg_current_xact_id()::text as x`.execute(tx.trx)).rows[0]!.x);
      for (let i = 0; i < spec.events; i++) mine.push({ subjectId: `${id}.${n}.${i}`, txid, position: i });
      // recorded once committed: only committed events belong in the stream
      return mine;
    }).then((mine) => out.push(...mine));
}

/** A client paging through the table from `after`, `pageSize` rows at a time, until it is empty. */
async function replay(after: Cursor, pageSize: number): Promise<StoredEvent[]> {
  // events become readable once every older transaction of the cluster has ended (RT1)
  while (await hasInvisibleEvents(d.db, after)) await pause(20);
  const seen: StoredEvent[] = [];
  for (let cursor = after; ; ) {
    const page = await readEventsAfter(d.db, cursor, { types: ['TENANT_CREATED'] }, pageSize);
    if (!page.length) return seen;
    seen.push(...page);
    cursor = decodeCursor(page.at(-1)!.cursor);
  }
}

/** The first `n` items of a stream, or what came before it went quiet for five seconds. */
async function take(stream: AsyncIterableIterator<StoredEvent>, n: number): Promise<StoredEvent[]> {
  const got: StoredEvent[] = [];
  while (got.length < n) {
    const quiet = new Promise<'quiet'>((r) => setTimeout(() => r('quiet'), 5000));
    const next = await Promise.race([stream.next(), quiet]);
    if (next === 'quiet' || next.done) break;
    got.push(next.value);
  }
  await stream.return?.();
  return got;
}

const byCursorOrder = (a: Written, b: Written) => (a.txid !== b.txid ? (a.txid < b.txid ? -1 : 1) : a.position - b.position);

describe('cursor order (RT1, RT3), as a property', () => {
  it('RT1/RT3: concurrent writers, random resume points and page sizes: every committed event once, in cursor order', async () => {
    // start just below a decimal-digit boundary, so that the first runs write on both sides of it
    const boundary = nextBoundary((await db.currentTxid()) + 100n);
    await db.burnTo(boundary - 10n);
    const allTxids: bigint[] = [];
    let from = START;
    let run = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.array(writer, { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.integer({ min: 1, max: 7 }),
        async (writers, livePageSize, resumeAt, replayPageSize) => {
          run++;
          const stream = streamEvents(ctx, { after: from, filter: { types: ['TENANT_CREATED'] }, pageSize: livePageSize, idlePollMs: 50 });
          const written: Written[] = [];
          await Promise.all(writers.map((w, i) => runWriter(`r${run}w${i}`, w, written)));
          const expected = [...written].sort(byCursorOrder).map((e) => e.subjectId);
          allTxids.push(...written.map((e) => e.txid));

          // the live stream, started before the writers, sees exactly the committed events, in cursor order
          const live = await take(stream, expected.length);
          expect(live.map((e) => e.subjectId)).toEqual(expected);

          // a client resuming from any cursor it saw gets exactly what followed it
          for (const r of resumeAt) {
            const at = r % live.length;
            const rest = await replay(decodeCursor(live[at]!.cursor), replayPageSize);
            expect(rest.map((e) => e.subjectId)).toEqual(expected.slice(at + 1));
          }
          from = decodeCursor(live.at(-1)!.cursor);
        },
      ),
      { numRuns: 25 },
    );

    // the runs did cross the boundary (else this test would not show the ordering it is about)
    expect(allTxids.some((x) => x < boundary)).toBe(true);
    expect(allTxids.some((x) => x >= boundary)).toBe(true);
    // and the whole history, replayed from the start with a small page, is in numeric cursor order
    const history = (await replay(START, 3)).map((e) => decodeCursor(e.cursor));
    const sorted = [...history].sort((a, b) => (BigInt(a.txid) !== BigInt(b.txid) ? (BigInt(a.txid) < BigInt(b.txid) ? -1 : 1) : Number(BigInt(a.seq) - BigInt(b.seq))));
    expect(history).toEqual(sorted);
  }, 120_000);
});
