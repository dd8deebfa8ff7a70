import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { decodeCursor, inTransaction } from '@callplane/schema';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { boundaryDatabase, nextBoundary } from '../support/xid-boundary.js';

type Delivered = { events: { cursor: string; subjectId: string } };
const EVENTS = `subscription($after: String) { events(after: $after, types: [TENANT_CREATED]) { cursor subjectId } }`;

let db: Awaited<ReturnType<typeof boundaryDatabase>>;
let t: TestApp;
beforeAll(async () => {
  db = await boundaryDatabase();
  t = await startTestApp({ databaseUrl: db.url });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await db?.drop();
});

const txidOf = (cursor: string) => BigInt(decodeCursor(cursor).txid);

/** Writes one event per transaction, in order; returns their transaction ids. */
async function writeEvents(names: string[]): Promise<string[]> {
  const txids: string[] = [];
  for (const subjectId of names)
    await inTransaction(t.app.systemContext(), async (tx) => {
      await tx.emit({ type: 'TENANT_CREATED', tenantId: null, subjectId, payload: {} });
      txids.push((await sql<{ x: string }>`select pg_current_xact_id()::text as x`.execute(tx.trx)).rows[0]!.x);
    });
  return txids;
}

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 200; i++) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)}`);
}

describe('cursors across a decimal-digit boundary of the transaction id (RT1, RT3)', () => {
  it('eventCursor, replay, a live subscription and a reconnect deliver every event once, in order', async () => {
    const boundary = nextBoundary((await db.currentTxid()) + 100n);
    const live = collect<Delivered>(t.wsClient(t.operatorKey), EVENTS, { after: await t.cursor() });
    const dropped = collect<Delivered>(t.wsClient(t.operatorKey), EVENTS, { after: await t.cursor() });

    await db.burnTo(boundary - 30n);
    const below = Array.from({ length: 8 }, (_, i) => `below-${i}`);
    const belowTxids = await writeEvents(below);
    await dropped.waitFor(() => dropped.items.length === below.length);
    dropped.unsubscribe();
    const lastSeen = dropped.items.at(-1)!.events.cursor;

    // the rest crosses the boundary: keep writing until ten events stand above it
    const above: string[] = [];
    const txids = [...belowTxids];
    while (txids.filter((x) => BigInt(x) >= boundary).length < 10) {
      const name = `after-${above.length}`;
      above.push(name);
      txids.push(...(await writeEvents([name])));
    }
    const all = [...below, ...above];
    expect(txids.filter((x) => BigInt(x) < boundary).length, 'events below the boundary').toBeGreaterThanOrEqual(3);
    expect(String(boundary).length).toBeGreaterThan(String(txids[0]).length);

    // eventCursor is the real head, past the boundary, not the last cursor that sorts highest as text
    const head = await eventually(() => t.cursor(), (c) => txidOf(c) === BigInt(txids.at(-1)!), 'eventCursor');
    expect(txidOf(head)).toBeGreaterThanOrEqual(boundary);

    // the live subscription, started below the boundary, gets every event once, in order
    await live.waitFor(() => live.items.length >= all.length);
    expect(live.items.map((i) => i.events.subjectId)).toEqual(all);
    expect(live.items.at(-1)!.events.cursor).toBe(head);

    // a client that dropped below the boundary reconnects with its last cursor: exactly the rest
    const reconnected = collect<Delivered>(t.wsClient(t.operatorKey), EVENTS, { after: lastSeen });
    await reconnected.waitFor(() => reconnected.items.length >= above.length);

    // a replay from a cursor below the boundary: everything after it, in order
    const from = live.items[2]!.events.cursor;
    const replay = collect<Delivered>(t.wsClient(t.operatorKey), EVENTS, { after: from });
    await replay.waitFor(() => replay.items.length >= all.length - 3);

    // one more live event: nothing arrived late or twice before it
    await writeEvents(['last']);
    for (const s of [live, reconnected, replay]) await s.waitFor(() => s.items.at(-1)?.events.subjectId === 'last');
    expect(reconnected.items.map((i) => i.events.subjectId)).toEqual([...above, 'last']);
    expect(replay.items.map((i) => i.events.subjectId)).toEqual([...all.slice(3), 'last']);
    expect(live.items.map((i) => i.events.subjectId)).toEqual([...all, 'last']);
  });
});
