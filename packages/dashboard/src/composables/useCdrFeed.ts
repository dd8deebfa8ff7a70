import type { CombinedError } from '@urql/core';
import { useClientHandle } from '@urql/vue';
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue';
import { useLink } from '../client';
import { messageOf } from '../errors';
import { CdrCreatedSubscription, RecentCdrsQuery, type CdrRow } from '../graphql/calls';
import { useLiveStream } from './useLiveStream';

/** The feed keeps the newest CDRs only: memory stays flat however long the page is open. */
export const FEED_SIZE = 50;

/**
 * C2: the CDR feed, newest first. The stream takes its position (RT3), then the newest CDRs are
 * read; each CDR written arrives on top, an amended one replaces its row. `onCdr` hands every
 * CDR of the stream on (the charts count them).
 */
export function useCdrFeed(onCdr?: (cdr: CdrRow, change: string) => void) {
  const { client } = useClientHandle();
  const feed = shallowRef<CdrRow[]>([]);
  const loaded = ref(false);
  const readError = ref<CombinedError | null>(null);

  /** The newest FEED_SIZE of the feed and `more`, newest first; a CDR seen again (amended) replaces its row. */
  function merge(more: CdrRow[]) {
    const byId = new Map(feed.value.map((c) => [c.id, c]));
    for (const c of more) byId.set(c.id, c);
    feed.value = [...byId.values()].sort((a, b) => b.endedAt.localeCompare(a.endedAt)).slice(0, FEED_SIZE);
  }

  // the CDRs of a frame go in at once: one sort and one render however many arrive (C2 at 100 events/s)
  const pending: CdrRow[] = [];
  let frame = 0;
  function put(cdr: CdrRow) {
    pending.push(cdr);
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      merge(pending.splice(0));
    });
  }
  onScopeDispose(() => frame && cancelAnimationFrame(frame));

  async function read() {
    const r = await client.query(RecentCdrsQuery, { first: FEED_SIZE }, { requestPolicy: 'network-only' }).toPromise();
    readError.value = r.error ?? null;
    if (!r.data) return;
    // a CDR the stream brought already is as new as the read one, or newer
    const known = new Set(feed.value.map((c) => c.id));
    merge(r.data.cdrs.edges.map((e) => e.node).filter((c) => !known.has(c.id)));
    loaded.value = true;
  }

  const stream = useLiveStream(CdrCreatedSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.cdrCreated.cursor,
    onPositioned: () => void (loaded.value || read()),
    onItem: (d) => {
      const { cdr, change } = d.cdrCreated;
      if (!cdr) return;
      put(cdr);
      onCdr?.(cdr, change);
    },
  });
  watch(useLink().reconnects, () => void read());

  return {
    feed,
    loading: computed(() => !loaded.value && !readError.value),
    error: computed(() => messageOf(readError.value) ?? messageOf(stream.error.value)),
    refetch: () => void read(),
  };
}
