import type { Kysely } from 'kysely';
import { hasInvisibleEvents, readEventsAfter, START, type Cursor, type Database, type EventFilter, type StoredEvent } from '@callplane/schema';

/**
 * The events of the filter after a cursor (default: from the start). Events become readable once
 * every older transaction of the shared cluster has ended (RT1): wait for that first, so that a
 * test reads what it has just written.
 */
export async function readableEvents(
  db: Kysely<Database>,
  filter: EventFilter,
  { after = START, limit = 100 }: { after?: Cursor; limit?: number } = {},
): Promise<StoredEvent[]> {
  for (let i = 0; i < 100 && (await hasInvisibleEvents(db, START)); i++) await new Promise((r) => setTimeout(r, 50));
  return readEventsAfter(db, after, filter, limit);
}
