import { Repeater } from '@graphql-yoga/subscription';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { EventBus } from './events.bus.js';
import { decodeCursor, isAfter, type Cursor } from './events.cursor.js';
import { sharedReader, type FanoutMember } from './events.fanout.js';
import { liveStart, readEventsAfter, type EventFilter, type StoredEvent } from './events.service.js';

export interface StreamOptions {
  /** Replay after this cursor; null = only what happens from now on. */
  after: Cursor | null;
  filter: EventFilter;
  /** Rows read from the table at a time while catching up, and the most events held for the subscriber. */
  pageSize?: number;
  /** Safety re-read when no notice came (an event may sit behind an older open transaction). */
  idlePollMs?: number;
}

/** Reads of the event table by streams on their own (catching up), in this process: for the fan-out benchmark. */
export const ownStreamReads = { count: 0 };

export interface StreamStats {
  /** Events read or handed over and not yet taken by the subscriber. */
  buffered: number;
  maxBuffered: number;
  /** Times the stream read the table on its own (catching up), not through the shared reader. */
  ownReads?: number;
}

/**
 * RT3 + RT5: replays what follows `after` from the events table on its own, a page at a time and
 * only as fast as the subscriber takes events; once caught up it joins the process's shared reader
 * (one table read per event per process), which hands it its events in memory. A subscriber that
 * falls behind (its bounded queue overflows) leaves, catches up on its own again, then rejoins.
 * Cursor order, no gap, no duplicate: every event is pushed only when it comes after the last one.
 */
export function streamEvents(
  deps: { db: Kysely<Database>; bus: EventBus },
  opts: StreamOptions,
  stats: StreamStats = { buffered: 0, maxBuffered: 0 },
): Repeater<StoredEvent> {
  const pageSize = opts.pageSize ?? 100;
  const queueLimit = opts.pageSize ?? 1000;
  const idlePollMs = opts.idlePollMs ?? 5000;
  const reader = sharedReader(deps.db, deps.bus);
  return new Repeater<StoredEvent>(async (push, stop) => {
    let stopped = false;
    let queue: StoredEvent[] = [];
    let overflowed = false;
    let wakeConsumer: () => void = () => {};
    const member: FanoutMember = {
      filter: opts.filter,
      idlePollMs,
      deliver(events) {
        if (overflowed) return;
        if (queue.length + events.length > queueLimit) {
          // too far behind to hold in memory: leave, and read from the table on its own
          overflowed = true;
          queue = [];
          reader.leave(member);
        } else queue.push(...events);
        stats.buffered = queue.length;
        stats.maxBuffered = Math.max(stats.maxBuffered, queue.length);
        wakeConsumer();
      },
    };
    void stop.then(() => {
      stopped = true;
      wakeConsumer();
    });

    let cursor = opts.after;
    let skip = new Set<string>();
    /** Pushes an event that comes after the cursor; an earlier one was delivered already. */
    const deliver = async (e: StoredEvent) => {
      const c = decodeCursor(e.cursor);
      if (!isAfter(c, cursor!)) return;
      cursor = c;
      if (skip.size && skip.delete(e.cursor)) return;
      await push(e);
    };
    /** One page of the stream's own, from the cursor; returns how many rows it held. */
    const readOwnPage = async (): Promise<number> => {
      const page = await readEventsAfter(deps.db, cursor!, opts.filter, pageSize);
      stats.ownReads = (stats.ownReads ?? 0) + 1;
      ownStreamReads.count++;
      stats.buffered = page.length;
      stats.maxBuffered = Math.max(stats.maxBuffered, page.length);
      for (const e of page) {
        if (stopped) break;
        stats.buffered--;
        await deliver(e);
      }
      return page.length;
    };

    try {
      if (!cursor) ({ cursor, committedAhead: skip } = await liveStart(deps.db));
      while (!stopped) {
        // shared: every event after `joinedAt` comes through the queue
        queue = [];
        overflowed = false;
        const joinedAt = await reader.join(member);
        // what lies between the cursor and the join position is read on its own, as fast as the
        // subscriber takes events; once a page is not full, nothing of the filter is left before it
        while (!stopped && !overflowed && isAfter(joinedAt, cursor!) && (await readOwnPage()) === pageSize);
        if (!stopped && !overflowed && isAfter(joinedAt, cursor!)) cursor = joinedAt;
        while (!stopped && !overflowed) {
          if (!queue.length)
            await new Promise<void>((resolve) => {
              wakeConsumer = resolve;
              if (queue.length || stopped || overflowed) resolve();
            });
          wakeConsumer = () => {};
          const batch = queue.splice(0);
          for (const [i, e] of batch.entries()) {
            if (stopped) break;
            stats.buffered = queue.length + batch.length - i - 1;
            await deliver(e);
          }
        }
        reader.leave(member);
      }
    } catch (err) {
      stop(err);
    } finally {
      reader.leave(member);
    }

  });
}
