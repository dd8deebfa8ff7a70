import { Repeater } from '@graphql-yoga/subscription';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { EventBus } from './events.bus.js';
import type { Cursor } from './events.cursor.js';
import { sharedReader, type SharedEventReader } from './events.fanout.js';
import { delivery, Follower, type Delivery, type EventConsumer, type FollowOptions, type LiveSource } from './events.follower.js';
import type { EventFilter, StoredEvent } from './events.service.js';

/** Renderings of an event for a group of subscriptions (a GraphQL execution each), in this process: for the fan-out benchmark. */
export const sharedRenders = { count: 0 };

/** Renderings a group keeps, for its members that catch up over the same events. */
const MEMO = 1000;
/** Events a group holds before they are rendered; beyond, its members catch up on their own. */
const BACKLOG = 1000;

/**
 * A subscription whose transport renders events itself (graphql-ws: the GraphQL execution of the
 * subscription's document on the event, serialised as the payload of a `next` frame).
 */
export interface EventTransport {
  /**
   * Subscriptions with equal keys render every event alike and follow the same events: the same
   * document and variables (but `after`), the same access scope (role, tenant, app of the key).
   */
  readonly shareKey: string;
  /** The event as this subscription's transport sends it. */
  render(e: StoredEvent): Promise<string> | string;
  /** Sends a rendering; false once the transport is backed up (it was sent, but take no more). */
  send(rendered: string): boolean;
  /** Resolves once a backed-up transport can take more (or is closed). */
  drained(): Promise<void>;
}

const TRANSPORT = Symbol('callplane.eventTransport');

/** Lets the subscription run with `ctx` render and send its events through `transport`. */
export function attachEventTransport<C extends object>(ctx: C, transport: EventTransport): C {
  (ctx as { [TRANSPORT]?: EventTransport })[TRANSPORT] = transport;
  return ctx;
}

export const eventTransportOf = (ctx: object): EventTransport | undefined => (ctx as { [TRANSPORT]?: EventTransport })[TRANSPORT];

/**
 * Subscriptions of one share key on the shared reader: each event is rendered once, and the same
 * rendering is offered to every member, which sends it if it comes after its own cursor. The group
 * is one member of the reader (one filter check per event, not one per subscription).
 */
class RenderGroup {
  private readonly members = new Set<Follower>();
  private readonly memo = new Map<string, Promise<string> | string>();
  private readonly filterKey: string;
  private backlog: StoredEvent[] = [];
  private pumping = false;
  private pending = 0;
  private joined: Promise<unknown> | null = null;
  dissolved = false;

  constructor(
    private readonly groups: Map<string, RenderGroup>,
    private readonly key: string,
    private readonly reader: SharedEventReader,
    readonly filter: EventFilter,
    readonly idlePollMs: number,
    /** The first member's: every member renders alike. */
    private readonly transport: EventTransport,
  ) {
    this.filterKey = JSON.stringify(filter);
  }

  /** The position after which every event of the filter is offered to `f`; null if the group dissolved meanwhile. */
  async join(f: Follower): Promise<Cursor | null> {
    // a share key that does not determine the filter would hand one subscription another's events
    if (JSON.stringify(f.filter) !== this.filterKey) throw new Error(`subscriptions of one share key follow different events: ${this.key}`);
    this.pending++;
    try {
      await (this.joined ??= this.reader.join(this).catch((err) => {
        this.dissolve();
        throw err;
      }));
    } finally {
      this.pending--;
    }
    if (this.dissolved) return null;
    this.members.add(f);
    return this.reader.position!;
  }

  leave(f: Follower) {
    this.members.delete(f);
    if (!this.members.size && !this.pending) this.dissolve();
  }

  /** The reader's hand-over (a FanoutMember). */
  deliver(events: StoredEvent[]) {
    if (this.backlog.length + events.length > BACKLOG) return this.dissolve();
    this.backlog.push(...events);
    if (!this.pumping) void this.pump();
  }

  render(e: StoredEvent): Promise<string> | string {
    let rendered = this.memo.get(e.cursor);
    if (rendered === undefined) {
      sharedRenders.count++;
      rendered = this.transport.render(e);
      if (this.memo.size >= MEMO) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(e.cursor, rendered);
    }
    return rendered;
  }

  /** Renders what the reader handed over, in order, and offers each batch to every member. */
  private async pump() {
    this.pumping = true;
    try {
      while (this.backlog.length && !this.dissolved) {
        // the page's events render side by side (in order of the page): their nested reads (the
        // call of each call event …) share one dataloader batch instead of a round trip per event
        const events = this.backlog.splice(0);
        const rendered = await Promise.all(events.map((e) => this.render(e)));
        const batch: Delivery[] = events.map((e, i) => ({ ...delivery(e), rendered: rendered[i] }));
        if (this.dissolved) break;
        for (const m of this.members) m.offer(batch);
      }
    } catch {
      // a rendering failed: the members go on alone, and meet the failure themselves
      this.dissolve();
    } finally {
      this.pumping = false;
    }
  }

  /** Leaves the reader; members still in it catch up on their own, then join a new group. */
  private dissolve() {
    if (this.dissolved) return;
    this.dissolved = true;
    this.backlog = [];
    this.reader.leave(this);
    if (this.groups.get(this.key) === this) this.groups.delete(this.key);
    const left = [...this.members];
    this.members.clear();
    for (const m of left) m.overflow();
  }
}

const groupsByReader = new WeakMap<SharedEventReader, Map<string, RenderGroup>>();

/** A follower's way into the group of its share key (a new one after the old dissolved). */
class GroupSource implements LiveSource {
  private group: RenderGroup | null = null;

  constructor(
    private readonly reader: SharedEventReader,
    private readonly transport: EventTransport,
  ) {}

  async join(f: Follower): Promise<Cursor> {
    let groups = groupsByReader.get(this.reader);
    if (!groups) groupsByReader.set(this.reader, (groups = new Map()));
    for (;;) {
      const key = this.transport.shareKey;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = new RenderGroup(groups, key, this.reader, f.filter, f.idlePollMs, this.transport)));
      const at = await group.join(f);
      if (at) {
        this.group = group;
        return at;
      }
    }
  }

  leave(f: Follower) {
    this.group?.leave(f);
    this.group = null;
  }

  render(e: StoredEvent) {
    if (this.group && !this.group.dissolved) return this.group.render(e);
    sharedRenders.count++;
    return this.transport.render(e);
  }
}

/**
 * RT3 + RT5 for a transport that renders events itself: the subscription's events are sent
 * through `transport` (rendered once per share key), in cursor order, no gap, no duplicate. The
 * returned stream yields nothing: it ends when the subscription does, or fails with its error.
 */
export function renderedEvents(deps: { db: Kysely<Database>; bus: EventBus }, opts: FollowOptions, transport: EventTransport): Repeater<never> {
  return new Repeater<never>(async (_push, stop) => {
    const source = new GroupSource(sharedReader(deps.db, deps.bus), transport);
    const consumer: EventConsumer = {
      async take(d) {
        if (!transport.send(d.rendered ?? (await source.render(d.event)))) await transport.drained();
      },
      takeNow: (d) => transport.send(d.rendered!),
      drained: () => transport.drained(),
      // a page read on its own renders side by side (kept in the group's memo for `take`), so its
      // nested reads share one dataloader batch; a failure is met again, in order, by `take`
      prepare: async (page) => void (await Promise.allSettled(page.map(async (d) => d.rendered ?? source.render(d.event)))),
    };
    const follower = new Follower(deps.db, opts, source, consumer);
    void stop.then(() => follower.stop());
    await follower.run().catch((err) => stop(err));
  });
}
