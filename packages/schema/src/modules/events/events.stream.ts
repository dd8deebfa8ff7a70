import { Repeater } from '@graphql-yoga/subscription';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { EventBus, EventNotice } from './events.bus.js';
import { decodeCursor, isAfter, type Cursor } from './events.cursor.js';
import { liveStart, readEventsAfter, type EventFilter, type StoredEvent } from './events.service.js';

export interface StreamOptions {
  /** Replay after this cursor; null = only what happens from now on. */
  after: Cursor | null;
  filter: EventFilter;
  /** Rows read from the table at a time: the most this stream ever holds for a subscriber. */
  pageSize?: number;
  /** Safety re-read when no notice came (an event may sit behind an older open transaction). */
  idlePollMs?: number;
}

export interface StreamStats {
  /** Events read from the table and not yet taken by the subscriber. */
  buffered: number;
  maxBuffered: number;
}

const matches = (f: EventFilter, n: EventNotice) =>
  f.visible !== false &&
  (f.tenantId === undefined || n.tenantId === f.tenantId) &&
  (f.appId === undefined || n.appId === f.appId) &&
  (!f.types?.length || f.types.includes(n.type));

/**
 * RT3: replays what follows `after` from the events table, then goes live, with no gap and
 * no duplicate. The bus only wakes the stream; it reads from the table, a page at a time and
 * only as fast as the subscriber takes events, so a slow subscriber never grows memory.
 */
export function streamEvents(
  deps: { db: Kysely<Database>; bus: EventBus },
  opts: StreamOptions,
  stats: StreamStats = { buffered: 0, maxBuffered: 0 },
): Repeater<StoredEvent> {
  const pageSize = opts.pageSize ?? 100;
  const idlePollMs = opts.idlePollMs ?? 5000;
  return new Repeater<StoredEvent>(async (push, stop) => {
    let woken = true;
    let wake: () => void = () => {};
    // The newest event a notice announced: while the table has not shown it yet, an older
    // transaction is still open (RT1), so the stream looks again soon instead of idling.
    let announced: Cursor | null = null;
    const unlisten = deps.bus.listen((n) => {
      if (matches(opts.filter, n)) {
        const c = /^\d+-\d+$/.test(n.cursor) ? decodeCursor(n.cursor) : null;
        if (c && (!announced || isAfter(c, announced))) announced = c;
        woken = true;
        wake();
      }
    });
    let cursor = opts.after;
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      wake();
    });
    try {
      // Listening began before the head is taken, so nothing committed in between is missed.
      let skip = new Set<string>();
      if (!cursor) ({ cursor, committedAhead: skip } = await liveStart(deps.db));
      while (!stopped) {
        if (!woken) {
          const blocked = !!announced && isAfter(announced, cursor!);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, blocked ? 50 : idlePollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
            if (woken || stopped) wake();
          });
          wake = () => {};
        }
        woken = false;
        if (stopped) break;
        const page = await readEventsAfter(deps.db, cursor!, opts.filter, pageSize);
        stats.buffered = page.length;
        stats.maxBuffered = Math.max(stats.maxBuffered, page.length);
        for (const e of page) {
          if (stopped) break;
          cursor = decodeCursor(e.cursor);
          stats.buffered--;
          if (skip.size && skip.delete(e.cursor)) continue;
          await push(e);
        }
        if (page.length === pageSize) woken = true;
      }
    } catch (err) {
      stop(err);
    } finally {
      unlisten();
    }
  });
}
