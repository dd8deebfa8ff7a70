import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { EventBus, EventNotice } from './events.bus.js';
import { decodeCursor, isAfter, type Cursor } from './events.cursor.js';
import { hasInvisibleEvents, headCursor, readEventsAfter, type EventFilter, type StoredEvent } from './events.service.js';

/** Reads of the event table by every shared reader of this process: for the fan-out benchmark. */
export const sharedReads = { count: 0 };

/** Rows the shared reader takes from the table at a time. */
const SHARED_PAGE = 500;

export interface FanoutMember {
  filter: EventFilter;
  idlePollMs: number;
  /** Events of the filter after the member's join position, in cursor order. */
  deliver(events: StoredEvent[]): void;
}

export const matchesEvent = (f: EventFilter, e: StoredEvent) =>
  f.visible !== false &&
  (f.tenantId === undefined || e.tenantId === f.tenantId) &&
  (f.appId === undefined || e.appId === f.appId) &&
  (!f.types?.length || f.types.includes(e.type)) &&
  (!f.subjectId || e.subjectId === f.subjectId);

/**
 * RT5: one reader per process (per database and bus) follows the event table after each bus
 * wake-up and hands each page to every member whose filter matches, in memory. The table is read
 * once per event per process, whatever the number of subscriptions. A member joins at the
 * reader's current head: every event after it reaches the member, in order, exactly once.
 */
export class SharedEventReader {
  private head: Cursor | null = null;
  private readonly members = new Set<FanoutMember>();
  private running = false;
  private woken = false;
  private wake: () => void = () => {};
  private announced: Cursor | null = null;
  /** Events may be committed but not yet readable: set on every join, cleared once a look finds none. */
  private mayHaveInvisible = false;
  private invisible = false;
  private unlisten: (() => void) | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventBus,
  ) {}

  /**
   * Adds a member; resolves with the position after which it receives every event. The member
   * must itself deliver what came up to that position (the caller's catch-up).
   */
  async join(member: FanoutMember): Promise<Cursor> {
    if (!this.head) {
      this.unlisten ??= this.bus.listen((n) => this.onNotice(n));
      const head = await headCursor(this.db);
      this.head ??= head;
    }
    this.members.add(member);
    this.mayHaveInvisible = true;
    if (!this.running) void this.loop();
    else this.poke();
    return this.head;
  }

  leave(member: FanoutMember) {
    this.members.delete(member);
  }

  get size() {
    return this.members.size;
  }

  /** The position after which every event is still to be handed over (null before the first join). */
  get position(): Cursor | null {
    return this.head;
  }

  private onNotice(n: EventNotice) {
    const c = /^\d+-\d+$/.test(n.cursor) ? decodeCursor(n.cursor) : null;
    if (c && (!this.announced || isAfter(c, this.announced))) this.announced = c;
    this.poke();
  }

  private poke() {
    this.woken = true;
    this.wake();
  }

  private async loop() {
    this.running = true;
    this.woken = true;
    try {
      while (this.members.size) {
        if (!this.woken) {
          // an announced event not yet readable: an older transaction is open (RT1); look again soon
          const blocked = this.invisible || (!!this.announced && !!this.head && isAfter(this.announced, this.head));
          const idle = Math.min(...[...this.members].map((m) => m.idlePollMs));
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, blocked ? 50 : idle);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = () => {};
        }
        this.woken = false;
        if (!this.members.size) break;
        const from = this.head!;
        const page = await readEventsAfter(this.db, from, {}, SHARED_PAGE).catch(() => [] as StoredEvent[]);
        sharedReads.count++;
        // After a join, events committed but not readable yet (an older transaction is open, RT1)
        // may have sent their notice before anyone listened: look for them, and while there are
        // some, read again soon rather than at the idle poll. Once none is left, the notices say.
        if (this.mayHaveInvisible && page.length < SHARED_PAGE) {
          this.invisible = await hasInvisibleEvents(this.db, page.length ? decodeCursor(page.at(-1)!.cursor) : from).catch(() => false);
          this.mayHaveInvisible = this.invisible;
        }
        if (!page.length) continue;
        this.head = decodeCursor(page.at(-1)!.cursor);
        for (const m of [...this.members]) {
          const mine = page.filter((e) => matchesEvent(m.filter, e));
          if (mine.length) m.deliver(mine);
        }
        if (page.length === SHARED_PAGE) this.woken = true;
      }
    } finally {
      this.running = false;
    }
  }
}

const readers = new WeakMap<EventBus, WeakMap<Kysely<Database>, SharedEventReader>>();

/** The process's shared reader for this database and bus. */
export function sharedReader(db: Kysely<Database>, bus: EventBus): SharedEventReader {
  let byDb = readers.get(bus);
  if (!byDb) readers.set(bus, (byDb = new WeakMap()));
  let reader = byDb.get(db);
  if (!reader) byDb.set(db, (reader = new SharedEventReader(db, bus)));
  return reader;
}
