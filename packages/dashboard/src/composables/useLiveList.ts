import type { AnyVariables, TypedDocumentNode } from '@urql/core';
import { useQuery } from '@urql/vue';
import { computed, reactive, ref, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { useLink } from '../client';
import { messageOf } from '../errors';
import { useLiveStream } from './useLiveStream';

interface Row {
  id: string;
  updatedAt: string;
}

/**
 * A list read once and kept current by a status subscription (RT3 cursor resume through
 * useLiveStream): a change replaces its row in place (newer `updatedAt` wins), moves it in or
 * out of the filtered list, and marks it as just changed. Mutation results go in with `upsert`.
 */
export function useLiveList<Node extends Row, QData, QVars extends AnyVariables, SData>(options: {
  query: TypedDocumentNode<QData, QVars>;
  variables: MaybeRefOrGetter<QVars>;
  nodesOf: (data: QData) => Node[];
  subscription: TypedDocumentNode<SData, { after?: string | null }>;
  cursorOf: (data: SData) => string;
  /** The changed row, or its id alone when the key may no longer see it. */
  changeOf: (data: SData) => { id: string; node: Node | null };
  /** Client-side filter: the same the query applies, so that live rows leave or join the list. */
  matches?: (node: Node) => boolean;
  compare: (a: Node, b: Node) => number;
  onChange?: (data: SData) => void;
}) {
  // The list is read only once the stream has its position (README: read eventCursor, then
  // the data): a change between the two is then in the list or replayed, never lost.
  const positioned = ref(false);
  const query = useQuery<QData, QVars>({
    query: options.query,
    variables: computed(() => toValue(options.variables)),
    pause: computed(() => !positioned.value),
  });

  const live = reactive(new Map<string, Node | null>()) as Map<string, Node | null>;
  const changedAt = reactive(new Map<string, number>());

  function upsert(node: Node) {
    const known = live.get(node.id);
    if (!known || node.updatedAt >= known.updatedAt) live.set(node.id, node);
    changedAt.set(node.id, Date.now());
  }

  const stream = useLiveStream(options.subscription, {
    variables: (after) => ({ after }),
    cursorOf: options.cursorOf,
    onPositioned: () => void (positioned.value = true),
    onItem: (data) => {
      const { id, node } = options.changeOf(data);
      if (node) upsert(node);
      else live.set(id, null);
      changedAt.set(id, Date.now());
      options.onChange?.(data);
    },
  });

  const refetch = () => query.executeQuery({ requestPolicy: 'network-only' });
  // A stream without a cursor yet cannot replay the gap of a dropped connection: read the list again.
  watch(useLink().reconnects, refetch);

  const items = computed(() => {
    const byId = new Map<string, Node>();
    for (const node of query.data.value ? options.nodesOf(query.data.value) : []) byId.set(node.id, node);
    for (const [id, node] of live) {
      if (!node) byId.delete(id);
      else {
        const known = byId.get(id);
        if (!known || node.updatedAt >= known.updatedAt) byId.set(id, node);
      }
    }
    const wanted = [...byId.values()].filter((n) => !options.matches || options.matches(n));
    return wanted.sort(options.compare);
  });

  return {
    items,
    upsert,
    loading: computed(() => (!positioned.value || query.fetching.value) && !query.data.value),
    error: computed(() => messageOf(query.error.value) ?? messageOf(stream.error.value)),
    justChanged: (id: string) => Date.now() - (changedAt.get(id) ?? 0) < 4000,
    refetch,
    received: stream.received,
  };
}
