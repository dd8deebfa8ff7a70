import type { AnyVariables, CombinedError, TypedDocumentNode } from '@urql/core';
import { useClientHandle } from '@urql/vue';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import { messageOf } from '../errors';

/** Changes closer together than this are read once. */
const BURST_MS = 200;

/**
 * A small read (counts, totals) that a stream keeps current: `read()` once the stream has its
 * position, then `changed()` for each event that may move it, read again once per burst. A read
 * overtaken by a later one is dropped, so the newest answer wins.
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
