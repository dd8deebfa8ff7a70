import type { CombinedError } from '@urql/core';
import { useMutation, useQuery } from '@urql/vue';
import { computed, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import {
  BalanceEventsSubscription,
  BalanceQuery,
  CancelOrderMutation,
  OrdersQuery,
  OrderStatusSubscription,
  PayOrderMutation,
  TenantsQuery,
  TopUpBalanceMutation,
  type Order,
  type OrderStatus,
} from '../graphql/billing';
import { humanize } from '../format';
import { useFormErrors } from './useFormErrors';
import { useLiveList } from './useLiveList';
import { useLiveStream } from './useLiveStream';

/** A refused operation as the user should read it: the typed code first (INSUFFICIENT_BALANCE → "Insufficient balance: …"). */
export function codedMessage(error: CombinedError | null | undefined): string | null {
  if (!error) return null;
  if (error.networkError) return messageOf(error);
  return error.graphQLErrors
    .map((e) => {
      const code = e.extensions?.code;
      return typeof code === 'string' && code !== 'INVALID_INPUT' ? `${humanize(code)}: ${e.message}` : e.message;
    })
    .join(' ');
}

/** Orders visible to the key, newest first, kept current by `orderStatusChanged`. */
export function useOrders(status: MaybeRefOrGetter<OrderStatus | null>) {
  return useLiveList({
    query: OrdersQuery,
    variables: () => ({ status: toValue(status), first: 100 }),
    nodesOf: (d) => d.orders.edges.map((e) => e.node),
    subscription: OrderStatusSubscription,
    cursorOf: (d) => d.orderStatusChanged.cursor,
    changeOf: (d) => ({ id: d.orderStatusChanged.order.id, node: d.orderStatusChanged.order }),
    matches: (o: Order) => !toValue(status) || o.status === toValue(status),
    compare: (a, b) => b.createdAt.localeCompare(a.createdAt),
  });
}

/** M1: pays an UNPAID order from the balance; a refusal (INSUFFICIENT_BALANCE, ORDER_EXPIRED …) is kept per order. */
export function useOrderActions() {
  const pay = useMutation(PayOrderMutation);
  const cancel = useMutation(CancelOrderMutation);
  const busyId = ref<string | null>(null);
  const errors = ref<Record<string, string>>({});

  async function run(orderId: string, op: () => Promise<{ error?: CombinedError }>) {
    busyId.value = orderId;
    const { [orderId]: _old, ...rest } = errors.value;
    errors.value = rest;
    const result = await op();
    busyId.value = null;
    if (result.error) errors.value = { ...errors.value, [orderId]: codedMessage(result.error)! };
    return !result.error;
  }

  return {
    busyId,
    errors,
    pay: (orderId: string) => run(orderId, () => pay.executeMutation({ orderId })),
    cancel: (orderId: string) => run(orderId, () => cancel.executeMutation({ orderId })),
  };
}

/** The balance and its latest ledger entries; read again whenever a BALANCE_CHANGED event arrives. */
export function useBalance(tenantId: MaybeRefOrGetter<string | null>, opts: { needsTenant: boolean }) {
  const query = useQuery({
    query: BalanceQuery,
    variables: computed(() => ({ tenantId: toValue(tenantId), first: 20 })),
    pause: computed(() => opts.needsTenant && !toValue(tenantId)),
  });
  const refetch = () => query.executeQuery({ requestPolicy: 'network-only' });
  const stream = useLiveStream(BalanceEventsSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.events.cursor,
    onItem: () => refetch(),
  });
  return {
    balance: computed(() => query.data.value?.balance ?? null),
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value) ?? messageOf(stream.error.value)),
    refetch,
  };
}

/** M1 (OPERATOR): tenants to pick from, and the top-up with errors under their fields. */
export function useTopUp() {
  const tenants = useQuery({ query: TenantsQuery, variables: { first: 100 } });
  const mutation = useMutation(TopUpBalanceMutation);
  const { fieldErrors, generalErrors, show } = useFormErrors();
  const busy = ref(false);

  async function topUp(tenantId: string, amount: string, note: string): Promise<boolean> {
    busy.value = true;
    const result = await mutation.executeMutation({ tenantId, amount: amount.trim(), note: note.trim() || null });
    busy.value = false;
    show(result.error);
    return !result.error;
  }

  return {
    tenants: computed(() => tenants.data.value?.tenants.edges.map((e) => e.node) ?? []),
    tenantsError: computed(() => messageOf(tenants.error.value)),
    topUp,
    busy,
    fieldErrors,
    generalErrors,
  };
}
