import type { AnyVariables, CombinedError, TypedDocumentNode } from '@urql/core';
import { useClientHandle } from '@urql/vue';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import { messageOf } from '../errors';
import { EventsOfTypesSubscription, type EventType } from '../graphql/events';
import { useLiveStream } from './useLiveStream';

/** Changes closer together than this are read once. */
const BURST_MS = 200;

export type LiveRead = ReturnType<typeof useLiveRead>;

/**
 * A small read (counts, totals, a short list) that a stream keeps current: `read()` once the
 * stream has its position, then `changed()` for each event that may move it, read again once per
 * burst. A read overtaken by a later one is dropped, so the newest answer wins.
 */
export function useLiveRead<Data, Variables extends AnyVariables>(document: TypedDocumentNode<Data, Variables>, variables: () => Variables | null) {
  const { client } = useClientHandle();
  const data = shallowRef<Data | null>(null);
  const error = ref<CombinedError | null>(null);
  let started = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function read() {
    const vars = variables();
    if (!vars) return;
    const mine = ++started;
    const r = await client.query(document, vars, { requestPolicy: 'network-only' }).toPromise();
    if (mine !== started) return;
    error.value = r.error ?? null;
    if (r.data) data.value = r.data;
  }

  function changed() {
    timer ??= setTimeout(() => {
      timer = null;
      void read();
    }, BURST_MS);
  }
  onScopeDispose(() => timer && clearTimeout(timer));

  return { data, error: computed(() => messageOf(error.value)), read, changed };
}

/**
 * Keeps reads current from ONE `events` stream of the types they name (RT3: the stream takes its
 * position first, and replays what a dropped connection missed): each read is made once the stream
 * is positioned, and again when an event of its types arrives. `onEvent` sees every event (the
 * server clock follows their times). No reads: no stream.
 */
export function useEventDrivenReads(reads: { read: Pick<LiveRead, 'read' | 'changed'>; types: EventType[] }[], onEvent?: (e: { type: string; occurredAt: string }) => void) {
  const positioned = ref(false);
  const types = [...new Set(reads.flatMap((r) => r.types))];
  const stream = reads.length
    ? useLiveStream(EventsOfTypesSubscription, {
        variables: (after) => ({ after, types }),
        cursorOf: (d) => d.events.cursor,
        onPositioned: () => {
          if (positioned.value) return;
          positioned.value = true;
          for (const r of reads) void r.read.read();
        },
        onItem: (d) => {
          onEvent?.(d.events);
          for (const r of reads) if ((r.types as string[]).includes(d.events.type)) r.read.changed();
        },
      })
    : null;
  return { positioned, error: computed(() => messageOf(stream?.error.value)) };
}
