import { useMutation, useQuery } from '@urql/vue';
import { computed, reactive, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { fieldErrorsOf, messageOf } from '../errors';
import { QualificationsQuery } from '../graphql/qualifications';
import {
  AvailableNumbersQuery,
  MyNumbersQuery,
  NumberStatusSubscription,
  PurchaseNumberMutation,
  qualificationKindFor,
  RegionsWithStockQuery,
  SetAutoRenewMutation,
  type NumberStatus,
  type NumberType,
  type PhoneNumber,
} from '../graphql/numbers';
import { useFormErrors } from './useFormErrors';
import { useLiveList } from './useLiveList';
import { useSession } from './useSession';

const PAGE = 100;

export interface NumberFilters {
  status: MaybeRefOrGetter<NumberStatus | null>;
  type: MaybeRefOrGetter<NumberType | null>;
  /** Matches province or city. */
  region: MaybeRefOrGetter<string>;
}

/**
 * The key's numbers (OPERATOR: every number, stock included), kept current by
 * `numberStatusChanged`; a number released to stock leaves a tenant's list.
 */
export function useMyNumbers(filters: NumberFilters, onChange?: () => void) {
  const { role } = useSession();
  const status = () => toValue(filters.status);
  const type = () => toValue(filters.type);
  const list = useLiveList({
    query: MyNumbersQuery,
    variables: () => ({ status: status(), type: type(), first: PAGE }),
    nodesOf: (d) => d.myNumbers.edges.map((e) => e.node),
    subscription: NumberStatusSubscription,
    cursorOf: (d) => d.numberStatusChanged.cursor,
    changeOf: (d) => ({ id: d.numberStatusChanged.numberId, node: d.numberStatusChanged.number }),
    onChange,
    matches: (n: PhoneNumber) => {
      const region = toValue(filters.region).trim();
      return (
        (role.value === 'OPERATOR' || !!n.tenant) &&
        (!status() || n.status === status()) &&
        (!type() || n.type === type()) &&
        (!region || n.region.province.includes(region) || n.region.city.includes(region))
      );
    },
    compare: (a, b) => a.e164.localeCompare(b.e164),
  });

  const autoRenewMutation = useMutation(SetAutoRenewMutation);
  const autoRenewError = ref<string | null>(null);
  const autoRenewBusy = ref<string | null>(null);
  /** N4: the renewal job renews a number with auto-renew on at the end of its term. */
  async function setAutoRenew(n: PhoneNumber, autoRenew: boolean) {
    autoRenewBusy.value = n.id;
    autoRenewError.value = null;
    const result = await autoRenewMutation.executeMutation({ numberId: n.id, autoRenew });
    autoRenewBusy.value = null;
    if (result.error) autoRenewError.value = `${n.e164}: ${messageOf(result.error)}`;
    else if (result.data) list.upsert(result.data.setAutoRenew);
  }

  return { ...list, truncated: computed(() => list.items.value.length >= PAGE), setAutoRenew, autoRenewBusy, autoRenewError };
}

/** N1: regions with stock of a type (all types when null), with counts. */
export function useStock(type: MaybeRefOrGetter<NumberType | null>) {
  const query = useQuery({ query: RegionsWithStockQuery, variables: computed(() => ({ type: toValue(type) })) });
  return {
    regions: computed(() => query.data.value?.numberRegionsWithStock ?? []),
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value)),
    refetch: () => query.executeQuery({ requestPolicy: 'network-only' }),
  };
}

/** N1: available numbers by type, region and digit pattern; runs when the form is submitted. */
export function useNumberSearch() {
  const form = reactive({ type: 'LOCAL' as NumberType, province: '', city: '', pattern: '' });
  const submitted = ref<typeof form | null>(null);
  const query = useQuery({
    query: AvailableNumbersQuery,
    variables: computed(() => {
      const f = submitted.value ?? form;
      return { type: f.type, province: f.province.trim() || null, city: f.city.trim() || null, pattern: f.pattern.trim() || null, first: 50 };
    }),
    pause: computed(() => !submitted.value),
    requestPolicy: 'network-only',
  });
  const errors = computed(() => fieldErrorsOf(query.error.value));
  return {
    form,
    search: () => (submitted.value = { ...form }),
    searched: computed(() => !!submitted.value),
    results: computed(() => query.data.value?.availableNumbers.edges.map((e) => e.node) ?? []),
    more: computed(() => query.data.value?.availableNumbers.pageInfo.hasNextPage ?? false),
    loading: computed(() => query.fetching.value),
    fieldErrors: computed(() => errors.value.fields),
    error: computed(() => errors.value.general.join(' ') || null),
    refetch: () => query.executeQuery({ requestPolicy: 'network-only' }),
  };
}

/** The tenant's approved qualifications (Q2), to pick one of the kind a number needs. */
export function useApprovedQualifications() {
  const query = useQuery({ query: QualificationsQuery, variables: { status: 'APPROVED', kind: null, first: 100 } });
  const all = computed(() => query.data.value?.qualifications.edges.map((e) => e.node) ?? []);
  return {
    forType: (type: NumberType) => all.value.filter((q) => q.kind === qualificationKindFor(type)),
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value)),
  };
}

/** N2: buys one inbound-only number: it is reserved at once with an UNPAID order. */
export function usePurchase() {
  const mutation = useMutation(PurchaseNumberMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const busy = ref(false);
  async function purchase(vars: { numberId: string; qualificationId: string; autoRenew: boolean; instanceId: string | null }) {
    busy.value = true;
    clear();
    const result = await mutation.executeMutation(vars);
    busy.value = false;
    if (result.error) return show(result.error), null;
    return result.data?.purchaseNumber ?? null;
  }
  return { purchase, busy, fieldErrors, generalErrors };
}
