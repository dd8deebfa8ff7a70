import { inject, provide, ref, type InjectionKey, type Ref } from 'vue';
import type { CombinedError } from '@urql/core';
import type { Link } from '../client';
import { EventsSubscription, type FeedEvent } from '../graphql/events';
import { useLiveStream } from './useLiveStream';

interface EventFeed {
  events: Ref<FeedEvent[]>;
  error: Ref<CombinedError | null>;
}

const FeedKey: InjectionKey<EventFeed> = Symbol('event-feed');

/**
 * Started once by the signed-in layout, so the feed keeps everything since sign-in while the
 * user moves between pages: every event the key may see, newest first, the last `limit` kept.
 */
export function provideEventFeed(link: Link, limit = 200): EventFeed {
  const events = ref<FeedEvent[]>([]);
  const { error } = useLiveStream(EventsSubscription, {
    link,
    variables: (after) => ({ after }),
    cursorOf: (d) => d.events.cursor,
    onItem: (d) => {
      events.value = [d.events, ...events.value].slice(0, limit);
    },
  });
  const feed = { events, error };
  provide(FeedKey, feed);
  return feed;
}

export function useEventFeed(): EventFeed {
  const feed = inject(FeedKey);
  if (!feed) throw new Error('useEventFeed() outside the signed-in layout');
  return feed;
}
