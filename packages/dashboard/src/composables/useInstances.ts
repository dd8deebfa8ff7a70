import { useMutation, useQuery } from '@urql/vue';
import { computed, reactive, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import {
  ActiveNumbersQuery,
  CreateInstanceMutation,
  DeleteInstanceMutation,
  InstanceQuery,
  InstancesQuery,
  InstanceStatusSubscription,
  UpdateInstanceMutation,
  type InstanceStatus,
  type InstanceSummary,
} from '../graphql/instances';
import { useFormErrors } from './useFormErrors';
import { useLiveList } from './useLiveList';
import { useLiveStream } from './useLiveStream';

/** I1: the tenant's instances (OPERATOR: all), kept current by `instanceStatusChanged` (CREATING → RUNNING or FAILED). */
export function useInstanceList(status: MaybeRefOrGetter<InstanceStatus | null>) {
  return useLiveList({
    query: InstancesQuery,
    variables: () => ({ first: 100, status: toValue(status) }),
    nodesOf: (d) => d.instances.edges.map((e) => e.node),
    subscription: InstanceStatusSubscription,
    cursorOf: (d) => d.instanceStatusChanged.cursor,
    changeOf: (d) => ({ id: d.instanceStatusChanged.instanceId, node: d.instanceStatusChanged.instance ?? null }),
    matches: (n: InstanceSummary) => !toValue(status) || n.status === toValue(status),
    compare: (a, b) => b.createdAt.localeCompare(a.createdAt),
  });
}

/** One instance with its numbers, flows and skill groups; read again when its status changes (RUNNING brings Welcome and the default group). */
export function useInstance(id: MaybeRefOrGetter<string>) {
  const query = useQuery({ query: InstanceQuery, variables: computed(() => ({ id: toValue(id), first: 100 })) });
  const refetch = () => query.executeQuery({ requestPolicy: 'network-only' });
  const stream = useLiveStream(InstanceStatusSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.instanceStatusChanged.cursor,
    onItem: (d) => {
      if (d.instanceStatusChanged.instanceId === toValue(id)) refetch();
    },
  });
  return {
    instance: computed(() => query.data.value?.instance ?? null),
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value) ?? messageOf(stream.error.value)),
    refetch,
  };
}

/** The ACTIVE numbers of the tenant; those already in an instance are shown but cannot be picked (I1). */
export function useActiveNumbers() {
  const query = useQuery({ query: ActiveNumbersQuery, requestPolicy: 'network-only' });
  return {
    numbers: computed(() => query.data.value?.myNumbers.edges.map((e) => e.node) ?? []),
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value)),
  };
}

/** I1: the create form; errors land under the field the API names (`input.accessSlug` → `accessSlug`). */
export function useCreateInstance() {
  const form = reactive({ name: '', accessSlug: '', description: '', numberId: '' });
  const mutation = useMutation(CreateInstanceMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const submitting = ref(false);
  async function submit(): Promise<InstanceSummary | null> {
    submitting.value = true;
    clear();
    const result = await mutation.executeMutation({
      input: { name: form.name.trim(), accessSlug: form.accessSlug.trim(), description: form.description.trim(), numberId: form.numberId },
    });
    submitting.value = false;
    if (result.error) return show(result.error), null;
    Object.assign(form, { name: '', accessSlug: '', description: '', numberId: '' });
    return result.data?.createInstance ?? null;
  }
  return { form, fieldErrors, generalErrors, submitting, submit };
}

/** I1: only the description can change. */
export function useUpdateDescription(id: MaybeRefOrGetter<string>) {
  const mutation = useMutation(UpdateInstanceMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const saving = ref(false);
  async function save(description: string): Promise<boolean> {
    saving.value = true;
    clear();
    const result = await mutation.executeMutation({ id: toValue(id), input: { description: description.trim() } });
    saving.value = false;
    if (result.error) show(result.error);
    return !result.error;
  }
  return { save, saving, fieldErrors, generalErrors };
}

/** I4: deleting needs the name typed back; the server's CONFIRMATION_MISMATCH is shown as it words it. */
export function useDeleteInstance(id: MaybeRefOrGetter<string>) {
  const mutation = useMutation(DeleteInstanceMutation);
  const error = ref<string | null>(null);
  const deleting = ref(false);
  async function remove(confirmName: string): Promise<boolean> {
    deleting.value = true;
    error.value = null;
    const result = await mutation.executeMutation({ id: toValue(id), confirmName });
    deleting.value = false;
    error.value = messageOf(result.error);
    return !result.error;
  }
  return { remove, deleting, error };
}
