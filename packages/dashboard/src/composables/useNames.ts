import { useClientHandle } from '@urql/vue';
import { onScopeDispose, shallowReactive } from 'vue';
import { NamesQuery } from '../graphql/calls';

/** Ids asked for within this long go in one query. */
const GATHER_MS = 50;
/** The server's limit of ids per `nodes` call (MAX_NODES): more go in further queries. */
const IDS_PER_QUERY = 100;

export type NameOf = (id: string | null | undefined) => string | null;

/**
 * C1: the names of the apps, instances and agents the live calls name by id. A call event carries
 * the ids only (its subscribers cost the server no read of these); the names are learnt from the
 * calls the page read, and an id not seen yet is asked for once: one `nodes` query for the ids of
 * a moment. Apps, instances and agents are few, so a page asks for each at most once. An id the
 * key may not read stays without a name.
 */
export function useNames() {
  const { client } = useClientHandle();
  // null: asked for, no name (yet)
  const names = shallowReactive(new Map<string, string | null>());
  let pending: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const learn = (o: { id: string; name: string } | null | undefined) => void (o && names.get(o.id) !== o.name && names.set(o.id, o.name));

  function ask() {
    timer = undefined;
    for (let i = 0; i < pending.length; i += IDS_PER_QUERY) void askFor(pending.slice(i, i + IDS_PER_QUERY));
    pending = [];
  }

  async function askFor(ids: string[]) {
    const r = await client.query(NamesQuery, { ids }, { requestPolicy: 'network-only' }).toPromise();
    // a failed read is asked again when a call names the id again
    if (r.error || !r.data) return void ids.forEach((id) => names.get(id) === null && names.delete(id));
    for (const n of r.data.nodes) if (n && 'name' in n) learn(n as { id: string; name: string });
  }

  function want(...ids: (string | null | undefined)[]) {
    for (const id of ids) if (id && !names.has(id)) names.set(id, null), pending.push(id);
    if (pending.length && !timer) timer = setTimeout(ask, GATHER_MS);
  }
  onScopeDispose(() => clearTimeout(timer));

  const nameOf: NameOf = (id) => (id ? (names.get(id) ?? null) : null);
  return { nameOf, learn, want };
}
