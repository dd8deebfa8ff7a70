import type { CombinedError } from '@urql/core';
import { useMutation, useQuery } from '@urql/vue';
import { computed, ref, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import { FlowQuery, PublishFlowMutation, SaveFlowDefinitionMutation, type IvrFlow } from '../graphql/flows';

/** One finding of the flow validator (FLOW_INVALID): the node it is about, when there is one. */
export interface FlowProblem {
  nodeId: string | null;
  message: string;
}

/** FLOW_INVALID lists every problem in `extensions.problems`; any other error is one problem of no node. */
export function problemsOf(error: CombinedError | null | undefined): FlowProblem[] {
  if (!error) return [];
  const invalid = error.graphQLErrors.find((e) => e.extensions?.code === 'FLOW_INVALID');
  const listed = invalid?.extensions?.problems;
  if (Array.isArray(listed) && listed.length)
    return listed.map((p: { nodeId?: unknown; message?: unknown }) => ({ nodeId: typeof p.nodeId === 'string' ? p.nodeId : null, message: String(p.message ?? '') }));
  return [{ nodeId: null, message: messageOf(error) ?? 'The flow could not be saved.' }];
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: `Not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * I3, I6: one flow, its definition edited as JSON text. Saving makes a new version; problems the
 * server finds are kept until the next save, to be shown on the drawing's nodes and in a list.
 */
export function useFlow(id: MaybeRefOrGetter<string>) {
  const query = useQuery({ query: FlowQuery, variables: computed(() => ({ id: toValue(id), groups: 100 })), requestPolicy: 'network-only' });
  const flow = computed<IvrFlow | null>(() => {
    const node = query.data.value?.node;
    return node && 'latestVersion' in node ? (node as IvrFlow) : null;
  });
  /** A TRANSFER names its skill group by id: the drawing shows the name. */
  const skillGroupName = (groupId: string) => {
    const node = query.data.value?.node;
    const groups = node && 'instance' in node ? node.instance?.skillGroups.edges : [];
    return groups?.find((e) => e.node.id === groupId)?.node.name;
  };
  const text = ref('');
  /** The definition as last saved: the editor starts from it, and from each new version. */
  watch(
    () => flow.value?.draft,
    (draft) => {
      if (draft) text.value = JSON.stringify(draft.definition, null, 2);
    },
    { immediate: true },
  );
  const parsed = computed(() => parse(text.value));
  const dirty = computed(() => !!flow.value?.draft && parsed.value.ok && JSON.stringify(parsed.value.value) !== JSON.stringify(flow.value.draft.definition));

  const problems = ref<FlowProblem[]>([]);
  const saved = ref<number | null>(null);
  const saveMutation = useMutation(SaveFlowDefinitionMutation);
  const publishMutation = useMutation(PublishFlowMutation);
  const busy = ref<'saving' | 'publishing' | null>(null);
  const publishError = ref<string | null>(null);

  async function save() {
    const p = parsed.value;
    if (!p.ok || !flow.value) return;
    busy.value = 'saving';
    saved.value = null;
    const result = await saveMutation.executeMutation({ flowId: flow.value.id, definition: p.value });
    busy.value = null;
    problems.value = problemsOf(result.error);
    if (result.data) saved.value = result.data.saveFlowDefinition.latestVersion;
  }

  async function publish() {
    if (!flow.value) return;
    busy.value = 'publishing';
    const result = await publishMutation.executeMutation({ flowId: flow.value.id, version: flow.value.latestVersion });
    busy.value = null;
    publishError.value = messageOf(result.error);
  }

  return {
    flow,
    skillGroupName,
    text,
    parsed,
    dirty,
    problems,
    saved,
    busy,
    publishError,
    save,
    publish,
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value) ?? (query.data.value && !flow.value ? 'There is no such flow.' : null)),
    refetch: () => query.executeQuery({ requestPolicy: 'network-only' }),
  };
}
