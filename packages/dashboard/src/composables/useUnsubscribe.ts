import { useMutation } from '@urql/vue';
import { ref } from 'vue';
import { messageOf } from '../errors';
import { UnsubscribeBatchesQuery, UnsubscribeBatchSubscription, UnsubscribeNumbersMutation } from '../graphql/numbers';
import { useLiveList } from './useLiveList';

/** N7: unsubscribe batches (CHECKING → COMPLETED | PARTIAL_SUCCESS | CHECK_FAILED), updating live. */
export function useUnsubscribe() {
  const batches = useLiveList({
    query: UnsubscribeBatchesQuery,
    variables: { first: 10 },
    nodesOf: (d) => d.unsubscribeBatches.edges.map((e) => e.node),
    subscription: UnsubscribeBatchSubscription,
    cursorOf: (d) => d.unsubscribeBatchStatusChanged.cursor,
    changeOf: (d) => ({ id: d.unsubscribeBatchStatusChanged.batch.id, node: d.unsubscribeBatchStatusChanged.batch }),
    compare: (a, b) => b.createdAt.localeCompare(a.createdAt),
  });
  const mutation = useMutation(UnsubscribeNumbersMutation);
  const busy = ref(false);
  const error = ref<string | null>(null);

  async function unsubscribe(numberIds: string[]): Promise<boolean> {
    busy.value = true;
    error.value = null;
    const result = await mutation.executeMutation({ numberIds });
    busy.value = false;
    error.value = messageOf(result.error);
    if (result.data) batches.upsert(result.data.unsubscribeNumbers);
    return !result.error;
  }

  return { batches, unsubscribe, busy, error };
}
