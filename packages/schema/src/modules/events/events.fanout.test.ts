import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceWorld, type ServiceWorld } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { inTransaction } from '../../db/transaction.js';
import { decodeCursor, START } from './events.cursor.js';
import { sharedReader, sharedReads } from './events.fanout.js';
import type { StoredEvent } from './events.service.js';
import { streamEvents, type StreamStats } from './events.stream.js';

let w: ServiceWorld;
beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

const emit = (tenantId: string | null, subjectId: string) =>
  inTransaction(w.ctx(), (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId, subjectId, payload: {} }));

/** Takes from a stream until `n` items came, in the background. */
function taking(stream: AsyncIterableIterator<StoredEvent>, n: number) {
  const got: StoredEvent[] = [];
  const done = (async () => {
    for await (const e of stream) {
      got.push(e);
      if (got.length >= n) break;
    }
  })();
  return { got, done };
}

const head = async () => (await readableEvents(w.db, {}, { limit: 100_000 })).at(-1)?.cursor ?? null;

describe('RT5: one shared reader per process', () => {
  it('RT5: 300 live subscriptions, 20 events: every one gets every event, and the table is read per event, not per subscription', async () => {
    const tenant = await w.tenant('Fan Co');
    const from = decodeCursor((await head())!);
    const reader = sharedReader(w.db, w.bus);
    const stats: StreamStats[] = [];
    const streams = Array.from({ length: 300 }, () => {
      const s: StreamStats = { buffered: 0, maxBuffered: 0 };
      stats.push(s);
      return taking(streamEvents(w, { after: from, filter: { tenantId: tenant.tenantId, types: ['TENANT_CREATED'] } }, s), 20);
    });
    // every stream has caught up and joined the shared reader
    for (let i = 0; reader.size < 300; i++) {
      if (i > 400) throw new Error(`only ${reader.size} of 300 streams joined`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const ownBefore = stats.reduce((n, s) => n + (s.ownReads ?? 0), 0);
    const readsBefore = sharedReads.count;
    for (let i = 0; i < 20; i++) await emit(tenant.tenantId, `e${i}`);
    await Promise.all(streams.map((s) => s.done));
    for (const s of streams) expect(s.got.map((e) => e.subjectId)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
    // the live events came through the shared reader alone: no stream read the table on its own
    expect(stats.reduce((n, s) => n + (s.ownReads ?? 0), 0)).toBe(ownBefore);
    // and the shared reader read about once per event (bursts share reads; a few more while another
    // transaction of the cluster holds events back), never once per subscription
    expect(sharedReads.count - readsBefore).toBeLessThan(300);
    console.log(`RT5: 300 subscriptions × 20 events: ${sharedReads.count - readsBefore} shared reads, 0 own reads`);
  });

  it('RT5/RT3: hand-over between catching up and shared reading under concurrent writes: no gap, no duplicate, in order', async () => {
    const tenant = await w.tenant('Handover Co');
    const start = decodeCursor((await head())!);
    // some history to catch up on
    for (let i = 0; i < 30; i++) await emit(tenant.tenantId, `h${i}`);
    let writing = true;
    let written = 30;
    const writers = [0, 1, 2].map(async (k) => {
      for (let i = 0; writing && i < 60; i++) {
        await emit(tenant.tenantId, `w${k}-${i}`);
        written++;
      }
    });
    // streams join while the writers write: from the start, from the middle of the history, and
    // with a queue of 3 that overflows, so they leave and rejoin the shared reader again and again
    const history = await readableEvents(w.db, { tenantId: tenant.tenantId }, { after: start, limit: 1000 });
    const starts = [start, decodeCursor(history[10]!.cursor), decodeCursor(history[25]!.cursor)];
    const collectors = starts.flatMap((after) =>
      [100, 3].map((pageSize) => ({ after, got: [] as string[], stream: streamEvents(w, { after, filter: { tenantId: tenant.tenantId }, pageSize, idlePollMs: 100 }) })),
    );
    const taken = collectors.map(async (c) => {
      for await (const e of c.stream) {
        c.got.push(e.cursor);
        // a slow consumer now and then, so that small queues overflow
        if (c.got.length % 7 === 0) await new Promise((r) => setTimeout(r, 5));
        if (e.subjectId === 'last') break;
      }
    });
    await Promise.all(writers);
    writing = false;
    await emit(tenant.tenantId, 'last');
    await Promise.all(taken);
    const all = (await readableEvents(w.db, { tenantId: tenant.tenantId }, { after: START, limit: 100_000 })).map((e) => e.cursor);
    expect(all.length).toBeGreaterThanOrEqual(written + 1);
    for (const c of collectors) {
      const from = all.findIndex((x) => x === `${c.after.txid}-${c.after.seq}`);
      expect(c.got).toEqual(all.slice(from + 1));
    }
  }, 60_000);
});
