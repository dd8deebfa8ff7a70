import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { decodeCursor, isAfter, type Cursor } from './events.cursor.js';
import { liveStart, readEventsAfter, type EventFilter, type StoredEvent } from './events.service.js';

/** Reads of the event table by streams on their own (catching up), in this process: for the fan-out benchmark. */
export const ownStreamReads = { count: 0 };

/** One event on its way to a subscriber: its decoded position, and its rendering when a group made it. */
export interface Delivery {
  event: StoredEvent;
  at: Cursor;
  /** `at` as numbers, compared once per event and subscriber. */
  txNum: bigint;
  seqNum: bigint;
  /** The event as the subscriber's transport sends it, rendered once for all alike subscribers. */
  rendered?: string;
}

export function delivery(event: StoredEvent): Delivery {
  const at = decodeCursor(event.cursor);
  return { event, at, txNum: BigInt(at.txid), seqNum: BigInt(at.seq) };
}

/** Who takes a follower's events, in cursor order. */
export interface EventConsumer {
  /** Takes one event; resolves when the next may come (the consumer's pace bounds what is held). */
  take(d: Delivery): Promise<void>;
  /**
   * Takes one event at once, in the live phase, when the consumer can (frames written to a
   * socket): no promise per event. false = it is backed up: the follower leaves, waits for
   * `drained` and catches up on its own from the last event taken.
   */
  takeNow?(d: Delivery): boolean;
  drained?(): Promise<void>;
  /** Sees a page read from the table before its events are taken one by one (to render them side by side). */
  prepare?(page: Delivery[]): Promise<void>;
}

/** Where a follower's live events come from: the shared reader, or a group of alike subscriptions on it. */
export interface LiveSource {
  /** Resolves with the position after which every event of the follower's filter is offered to it. */
  join(f: Follower): Promise<Cursor>;
  leave(f: Follower): void;
}

export interface FollowOptions {
  /** Replay after this cursor; null = only what happens from now on. */
  after: Cursor | null;
  filter: EventFilter;
  /** Rows read from the table at a time while catching up, and the most events held for the subscriber. */
  pageSize?: number;
  /** Safety re-read when no notice came (an event may sit behind an older open transaction). */
  idlePollMs?: number;
}

export interface StreamStats {
  /** Events read or handed over and not yet taken by the subscriber. */
  buffered: number;
  maxBuffered: number;
  /** Times the stream read the table on its own (catching up), not through the shared reader. */
  ownReads?: number;
}

/**
 * RT3 + RT5: one subscriber's position in the event stream. It replays what follows `after` from
 * the table on its own, a page at a time and only as fast as the consumer takes events; once
 * caught up it is offered its live events by its source (one table read per event per process). A
 * follower that falls behind (its bounded queue overflows, or its consumer is backed up) leaves,
 * catches up on its own again, then rejoins. Cursor order, no gap, no duplicate: an event is taken
 * only when it comes after the last one taken.
 */
export class Follower {
  readonly filter: EventFilter;
  readonly idlePollMs: number;
  private readonly pageSize: number;
  private readonly queueLimit: number;
  /** The position of the last event taken (or skipped as taken before); null until the live start is known. */
  private cursor: Cursor | null = null;
  private txNum = 0n;
  private seqNum = 0n;
  private skip = new Set<string>();
  private queue: Delivery[] = [];
  private overflowed = false;
  /** Offers go straight to the consumer (takeNow) while nothing is queued. */
  private live = false;
  private stopped = false;
  private wake: () => void = () => {};

  constructor(
    private readonly db: Kysely<Database>,
    opts: FollowOptions,
    private readonly source: LiveSource,
    private readonly consumer: EventConsumer,
    private readonly stats: StreamStats = { buffered: 0, maxBuffered: 0 },
  ) {
    this.filter = opts.filter;
    this.idlePollMs = opts.idlePollMs ?? 5000;
    this.pageSize = opts.pageSize ?? 100;
    this.queueLimit = opts.pageSize ?? 1000;
    if (opts.after) this.moveTo(opts.after);
  }

  /** The shared reader's hand-over (a FanoutMember): live events of the filter, in cursor order. */
  deliver(events: StoredEvent[]) {
    this.offer(events.map(delivery));
  }

  /** Live events of the follower's filter, in cursor order (called by its source). */
  offer(batch: Delivery[]) {
    if (this.overflowed || this.stopped) return;
    if (this.live) {
      for (const d of batch) if (!this.takeNow(d)) return this.overflow();
      return;
    }
    // too far behind to hold in memory: leave, and read from the table on its own
    if (this.queue.length + batch.length > this.queueLimit) return this.overflow();
    this.queue.push(...batch);
    this.counted(this.queue.length);
    this.wake();
  }

  stop() {
    this.stopped = true;
    this.wake();
  }

  private get going() {
    return !this.stopped && !this.overflowed;
  }

  /** Its source can no longer offer it every event: it catches up on its own, then rejoins. */
  overflow() {
    this.overflowed = true;
    this.live = false;
    this.queue = [];
    this.counted(0);
    this.source.leave(this);
    this.wake();
  }

  private counted(buffered: number) {
    this.stats.buffered = buffered;
    this.stats.maxBuffered = Math.max(this.stats.maxBuffered, buffered);
  }

  private moveTo(c: Cursor) {
    this.cursor = c;
    this.txNum = BigInt(c.txid);
    this.seqNum = BigInt(c.seq);
  }

  /** True for an event after the cursor (it moves there); an earlier one was taken already. */
  private advance(d: Delivery): boolean {
    if (d.txNum !== this.txNum ? d.txNum < this.txNum : d.seqNum <= this.seqNum) return false;
    this.cursor = d.at;
    this.txNum = d.txNum;
    this.seqNum = d.seqNum;
    return !(this.skip.size && this.skip.delete(d.event.cursor));
  }

  private takeNow(d: Delivery): boolean {
    return !this.advance(d) || this.consumer.takeNow!(d);
  }

  private async take(d: Delivery) {
    if (this.advance(d)) await this.consumer.take(d);
  }

  /** One page of the follower's own, from the cursor; returns how many rows it held. */
  private async readOwnPage(): Promise<number> {
    const page = await readEventsAfter(this.db, this.cursor!, this.filter, this.pageSize);
    this.stats.ownReads = (this.stats.ownReads ?? 0) + 1;
    ownStreamReads.count++;
    this.counted(page.length);
    const deliveries = page.map(delivery);
    await this.consumer.prepare?.(deliveries);
    for (const d of deliveries) {
      if (this.stopped) break;
      this.stats.buffered--;
      await this.take(d);
    }
    return page.length;
  }

  /** Follows until stopped; rejects when the table cannot be read. */
  async run(): Promise<void> {
    try {
      if (!this.cursor) {
        const start = await liveStart(this.db);
        this.moveTo(start.cursor);
        this.skip = start.committedAhead;
      }
      while (!this.stopped) {
        // offered: every event after `joinedAt`, queued until the catch-up is done
        this.queue = [];
        this.overflowed = false;
        const joinedAt = await this.source.join(this);
        // what lies between the cursor and the join position is read on its own, as fast as the
        // consumer takes events; once a page is not full, nothing of the filter is left before it
        while (this.going && isAfter(joinedAt, this.cursor!) && (await this.readOwnPage()) === this.pageSize);
        if (this.going && isAfter(joinedAt, this.cursor!)) this.moveTo(joinedAt);
        while (this.going) {
          if (!this.queue.length) {
            this.live = !!this.consumer.takeNow;
            await new Promise<void>((resolve) => {
              this.wake = resolve;
              if (this.queue.length || !this.going) resolve();
            });
            this.wake = () => {};
          }
          const batch = this.queue.splice(0);
          for (const [i, d] of batch.entries()) {
            if (this.stopped) break;
            this.stats.buffered = this.queue.length + batch.length - i - 1;
            await this.take(d);
          }
        }
        this.live = false;
        this.source.leave(this);
        if (!this.stopped && this.consumer.drained) await this.consumer.drained();
      }
    } finally {
      this.live = false;
      this.source.leave(this);
    }
  }
}
