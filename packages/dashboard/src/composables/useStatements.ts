import { useClientHandle, useQuery } from '@urql/vue';
import { computed, reactive, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import { StatementLineSourcesQuery, StatementQuery, StatementsQuery, type StatementSource } from '../graphql/statements';
import { useEventDrivenReads, useLiveRead } from './useLiveRead';

/** M2: the statements, newest month first; a month closed while the page is open joins the list (STATEMENT_CLOSED). */
export function useStatementList() {
  const list = useLiveRead(StatementsQuery, () => ({}));
  const stream = useEventDrivenReads([{ read: list, types: ['STATEMENT_CLOSED'] }]);
  return {
    statements: computed(() => list.data.value?.statements.edges.map((e) => e.node) ?? null),
    error: computed(() => list.error.value ?? stream.error.value),
    refetch: list.read,
  };
}

/** M2: one statement with its lines; closed statements never change, so it is read once. */
export function useStatement(id: MaybeRefOrGetter<string>) {
  const q = useQuery({ query: StatementQuery, variables: computed(() => ({ id: toValue(id) })) });
  return {
    statement: computed(() => q.data.value?.statement ?? null),
    loading: computed(() => q.fetching.value && !q.data.value),
    missing: computed(() => !!q.data.value && !q.data.value.statement),
    error: computed(() => messageOf(q.error.value)),
    refetch: () => q.executeQuery({ requestPolicy: 'network-only' }),
  };
}

interface Sources {
  rows: StatementSource[];
  next: string | null;
  loading: boolean;
  error: string | null;
}

/** M2: the source records of each opened line (order lines, ledger entries, CDRs), 50 at a time. */
export function useLineSources() {
  const { client } = useClientHandle();
  const byLine = reactive(new Map<string, Sources>());

  async function load(lineId: string, after: string | null = null) {
    const s = byLine.get(lineId) ?? { rows: [], next: null, loading: false, error: null };
    byLine.set(lineId, { ...s, loading: true, error: null });
    const r = await client.query(StatementLineSourcesQuery, { id: lineId, after }, { requestPolicy: 'network-only' }).toPromise();
    const page = r.data?.node && 'sources' in r.data.node ? r.data.node.sources : null;
    const known = byLine.get(lineId)!;
    byLine.set(lineId, {
      rows: page ? [...known.rows, ...page.edges.map((e) => e.node)] : known.rows,
      next: page?.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null,
      loading: false,
      error: messageOf(r.error) ?? (page ? null : 'This line is not visible to your key.'),
    });
  }

  return {
    sourcesOf: (lineId: string) => byLine.get(lineId) ?? null,
    open: (lineId: string) => void (byLine.has(lineId) || load(lineId)),
    more: (lineId: string) => void load(lineId, byLine.get(lineId)?.next ?? null),
  };
}
