import type { AnyVariables, CombinedError, TypedDocumentNode } from '@urql/core';
import { useClientHandle } from '@urql/vue';
import { onScopeDispose, ref, watch } from 'vue';
import { useLink, type Link } from '../client';
import { EventCursorQuery } from '../graphql/events';

const SEEN_LIMIT = 1000;

/**
 * A subscription that takes `after` (RT3) and survives reconnects: it remembers the cursor of
 * the last item, and when the socket comes back it subscribes again from there, so nothing
 * is missed. Items already seen (graphql-ws re-sends the first subscription too) are dropped.
 */
export function useLiveStream<Data, Variables extends AnyVariables & { after?: string | null }>(
  document: TypedDocumentNode<Data, Variables>,
  options: {
    variables: (after: string | null) => Variables;
    cursorOf: (data: Data) => string;
    onItem: (data: Data) => void;
    /** Called once the stream knows its position (the cursor it will replay from), before it subscribes. */
    onPositioned?: () => void;
    /** For the component that provides the link itself (inject cannot see its own provide). */
    link?: Link;
  },
) {
  const { client } = useClientHandle();
  const link = options.link ?? useLink();
  const error = ref<CombinedError | null>(null);
  const received = ref(0);
  let lastCursor: string | null = null;
  const seen = new Set<string>();
  let current: { unsubscribe(): void } | null = null;

  let generation = 0;
  async function start() {
    const mine = ++generation;
    current?.unsubscribe();
    current = null;
    // A stream without a cursor yet starts from the current position, taken before it subscribes:
    // what happens while the socket sets up (or while it is down) is replayed, never missed.
    if (!lastCursor) {
      const head = await client.query(EventCursorQuery, {}, { requestPolicy: 'network-only' }).toPromise();
      if (head.error) {
        error.value = head.error;
        return;
      }
      lastCursor ??= head.data?.eventCursor ?? null;
    }
    if (disposed || mine !== generation) return;
    options.onPositioned?.();
    current = client.subscription(document, options.variables(lastCursor)).subscribe((result) => {
      if (result.error) {
        error.value = result.error;
        return;
      }
      if (!result.data) return;
      error.value = null;
      const cursor = options.cursorOf(result.data);
      if (seen.has(cursor)) return;
      seen.add(cursor);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value!);
      lastCursor = cursor;
      received.value++;
      options.onItem(result.data);
    });
  }

  let disposed = false;
  void start();
  const stopWatching = watch(link.reconnects, () => void start());
  onScopeDispose(() => {
    disposed = true;
    stopWatching();
    current?.unsubscribe();
  });

  return { error, received, restart: () => void start() };
}
