import { Repeater } from '@graphql-yoga/subscription';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { EventBus } from './events.bus.js';
import { sharedReader } from './events.fanout.js';
import { Follower, type FollowOptions, type StreamStats } from './events.follower.js';
import type { StoredEvent } from './events.service.js';

export { ownStreamReads, type StreamStats } from './events.follower.js';

export type StreamOptions = FollowOptions;

/**
 * RT3 + RT5: replays what follows `after` from the events table on its own, a page at a time and
 * only as fast as the subscriber takes events; once caught up it joins the process's shared reader
 * (one table read per event per process), which hands it its events in memory. A subscriber that
 * falls behind (its bounded queue overflows) leaves, catches up on its own again, then rejoins.
 * Cursor order, no gap, no duplicate (the Follower).
 */
export function streamEvents(
  deps: { db: Kysely<Database>; bus: EventBus },
  opts: StreamOptions,
  stats: StreamStats = { buffered: 0, maxBuffered: 0 },
): Repeater<StoredEvent> {
  return new Repeater<StoredEvent>(async (push, stop) => {
    const follower = new Follower(deps.db, opts, sharedReader(deps.db, deps.bus), { take: async (d) => void (await push(d.event)) }, stats);
    void stop.then(() => follower.stop());
    await follower.run().catch((err) => stop(err));
  });
}
