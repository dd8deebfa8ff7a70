import { ref } from 'vue';
import { EventsSubscription, type FeedEvent } from '../graphql/events';
import { useLiveStream } from './useLiveStream';

/** The live feed of every event the key may see, newest first, capped to the last `limit`. */
export function useEventFeed(limit = 200) {
  const events = ref<FeedEvent[]>([]);
  const { error, received } = useLiveStream(EventsSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.events.cursor,
    onItem: (d) => {
      events.value = [d.events, ...events.value].slice(0, limit);
    },
  });
  return { events, error, received };
}
