import { useMutation, useQuery } from '@urql/vue';
import { computed, reactive, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import {
  CreatePrivacyAppMutation,
  MoveNumbersToPoolMutation,
  PoolCandidatesQuery,
  PoolNumbersQuery,
  PrivacyAppsQuery,
  RotateAppSecretMutation,
  type PrivacyAppRow,
  type PrivacyMode,
} from '../graphql/privacy';
import { useFormErrors } from './useFormErrors';

/** P1: the apps; their PARTNER keys only for the keys that may read keys (admins, the operator). */
export function usePrivacyApps(withKeys: MaybeRefOrGetter<boolean>) {
  const query = useQuery({ query: PrivacyAppsQuery, variables: computed(() => ({ withKeys: toValue(withKeys) })), requestPolicy: 'cache-and-network' });
  return {
    apps: computed(() => query.data.value?.privacyApps.edges.map((e) => e.node) ?? []),
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value)),
    refetch: () => query.executeQuery({ requestPolicy: 'network-only' }),
  };
}

const emptyForm = () => ({ name: '', mode: 'AXB' as PrivacyMode, extensionLength: '', statusUrl: '', cdrUrl: '', smsUrl: '', callControlUrl: '', callControlFallback: '' });

/** The API's message without the result-code prefix the field already stands for ("1010002: invalid request: cdrUrl: …"). */
const shortMessage = (field: string, message: string) => message.replace(new RegExp(`^\\d{7}: (invalid request: )?(${field}: )?`), '');

/**
 * P1, P6: a new app. Only the fields of its mode are sent (extension length for AXE, call control
 * for X); errors land under the field the API names; the signing secret is returned to be shown once.
 */
export function useCreatePrivacyApp() {
  const form = reactive(emptyForm());
  const mutation = useMutation(CreatePrivacyAppMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const submitting = ref(false);
  async function submit(): Promise<{ app: PrivacyAppRow; secret: string } | null> {
    submitting.value = true;
    clear();
    const url = (v: string) => v.trim() || null;
    const input = {
      name: form.name.trim(),
      mode: form.mode,
      extensionLength: form.mode === 'AXE' ? (form.extensionLength === '' ? null : Number(form.extensionLength)) : null,
      statusUrl: url(form.statusUrl),
      cdrUrl: url(form.cdrUrl),
      smsUrl: url(form.smsUrl),
      ...(form.mode === 'X' ? { callControlUrl: url(form.callControlUrl), callControlFallback: url(form.callControlFallback) } : {}),
    };
    const result = await mutation.executeMutation({ input });
    submitting.value = false;
    if (result.error) {
      show(result.error);
      for (const [f, m] of Object.entries(fieldErrors.value)) fieldErrors.value[f] = shortMessage(f, m);
      return null;
    }
    Object.assign(form, emptyForm());
    const created = result.data!.createPrivacyApp;
    return { app: { ...created.app, partnerKeys: { edges: [] } }, secret: created.secret };
  }
  return { form, fieldErrors, generalErrors, submitting, submit };
}

/** P1: a new signing secret, shown once; the previous one stays valid for the overlap. */
export function useRotateSecret() {
  const mutation = useMutation(RotateAppSecretMutation);
  const error = ref<string | null>(null);
  const busy = ref<string | null>(null);
  async function rotate(appId: string) {
    busy.value = appId;
    error.value = null;
    const result = await mutation.executeMutation({ appId });
    busy.value = null;
    error.value = messageOf(result.error);
    return result.data?.rotateAppSecret ?? null;
  }
  return { rotate, error, busy };
}

/** P1: the tenant's ACTIVE local and mobile numbers that are in no pool yet. */
export function usePoolCandidates() {
  const numbers = useQuery({ query: PoolCandidatesQuery, requestPolicy: 'network-only' });
  const pooled = useQuery({ query: PoolNumbersQuery, variables: { after: null }, requestPolicy: 'network-only' });
  const inPool = computed(() => new Set(pooled.data.value?.poolNumbers.edges.map((e) => e.node.number?.id) ?? []));
  return {
    candidates: computed(() => (numbers.data.value?.myNumbers.edges.map((e) => e.node) ?? []).filter((n) => n.type !== 'TOLL_FREE_400' && !inPool.value.has(n.id))),
    loading: computed(() => (numbers.fetching.value && !numbers.data.value) || (pooled.fetching.value && !pooled.data.value)),
    error: computed(() => messageOf(numbers.error.value) ?? messageOf(pooled.error.value)),
    refetch: () => {
      numbers.executeQuery({ requestPolicy: 'network-only' });
      pooled.executeQuery({ requestPolicy: 'network-only' });
    },
  };
}

/** P1: moves the picked numbers into an app's pool; the API's refusal (N5, wrong mode …) names the field. */
export function useMoveToPool() {
  const mutation = useMutation(MoveNumbersToPoolMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const busy = ref(false);
  async function move(appId: string, numberIds: string[]) {
    busy.value = true;
    clear();
    const result = await mutation.executeMutation({ appId, numberIds });
    busy.value = false;
    if (result.error) show(result.error, (f) => (f.startsWith('numberIds') ? 'numberIds' : f));
    return result.data?.moveNumbersToPool ?? null;
  }
  return { move, fieldErrors, generalErrors, busy };
}
