import { useMutation } from '@urql/vue';
import { ref, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import { DeliveriesQuery, DeliveryChangedSubscription, RedeliverMutation, type Delivery, type DeliveryStatus } from '../graphql/webhooks';
import { useLiveList } from './useLiveList';

/** C3: the webhook deliveries (a status filter: DEAD for the dead letters), newest first, live from deliveryChanged. */
export function useDeliveries(status: MaybeRefOrGetter<DeliveryStatus | null>) {
  return useLiveList({
    query: DeliveriesQuery,
    variables: () => ({ first: 100, status: toValue(status) }),
    nodesOf: (d) => d.deliveries.edges.map((e) => e.node),
    subscription: DeliveryChangedSubscription,
    cursorOf: (d) => d.deliveryChanged.cursor,
    changeOf: (d) => ({ id: d.deliveryChanged.delivery?.id ?? d.deliveryChanged.cursor, node: d.deliveryChanged.delivery ?? null }),
    matches: (n: Delivery) => !toValue(status) || n.status === toValue(status),
    compare: (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
  });
}

/** C3: sends a dead letter again (TENANT_ADMIN, OPERATOR); the answer goes into the list at once. */
export function useRedeliver(onDone: (d: Delivery) => void) {
  const mutation = useMutation(RedeliverMutation);
  const busy = ref<string | null>(null);
  const error = ref<string | null>(null);
  async function redeliver(id: string) {
    busy.value = id;
    const r = await mutation.executeMutation({ id });
    busy.value = null;
    error.value = messageOf(r.error);
    if (r.data?.redeliverDelivery) onDone(r.data.redeliverDelivery);
  }
  return { redeliver, busy, error };
}
