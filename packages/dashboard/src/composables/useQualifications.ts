import { useQuery } from '@urql/vue';
import { computed, reactive, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { useLink } from '../client';
import { messageOf } from '../errors';
import {
  QualificationsQuery,
  QualificationStatusSubscription,
  type Qualification,
  type QualificationKind,
  type QualificationStatus,
} from '../graphql/qualifications';
import { useLiveStream } from './useLiveStream';

export interface QualificationFilters {
  status?: MaybeRefOrGetter<QualificationStatus | null>;
  kind?: MaybeRefOrGetter<QualificationKind | null>;
  /** The review queue reads oldest first; lists read newest first. */
  oldestFirst?: boolean;
}

const PAGE = 100;

/**
 * Qualifications matching the filters, kept current by `qualificationStatusChanged`: a change
 * replaces the row in place, moves it in or out of a filtered list, and marks it as just changed.
 */
export function useQualifications(filters: QualificationFilters = {}) {
  const status = () => toValue(filters.status) ?? null;
  const kind = () => toValue(filters.kind) ?? null;
  const query = useQuery({
    query: QualificationsQuery,
    variables: computed(() => ({ status: status(), kind: kind(), first: PAGE })),
  });

  const live = reactive(new Map<string, Qualification>());
  const changedAt = reactive(new Map<string, number>());
  const stream = useLiveStream(QualificationStatusSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.qualificationStatusChanged.cursor,
    onItem: (d) => {
      const q = d.qualificationStatusChanged.qualification;
      live.set(q.id, q);
      changedAt.set(q.id, Date.now());
    },
  });

  const refetch = () => query.executeQuery({ requestPolicy: 'network-only' });
  // A stream that had no cursor yet cannot replay the gap of a dropped connection: read the list again.
  watch(useLink().reconnects, refetch);

  const items = computed(() => {
    const byId = new Map<string, Qualification>();
    for (const edge of query.data.value?.qualifications.edges ?? []) byId.set(edge.node.id, edge.node);
    for (const q of live.values()) {
      const known = byId.get(q.id);
      if (!known || q.updatedAt >= known.updatedAt) byId.set(q.id, q);
    }
    const wanted = [...byId.values()].filter((q) => (!status() || q.status === status()) && (!kind() || q.kind === kind()));
    const order = filters.oldestFirst ? 1 : -1;
    return wanted.sort((a, b) => order * a.submittedAt.localeCompare(b.submittedAt));
  });

  return {
    items,
    loading: computed(() => query.fetching.value && !query.data.value),
    error: computed(() => messageOf(query.error.value) ?? messageOf(stream.error.value)),
    truncated: computed(() => (query.data.value?.qualifications.edges.length ?? 0) >= PAGE),
    justChanged: (id: string) => Date.now() - (changedAt.get(id) ?? 0) < 4000,
    refetch,
  };
}
