import { useMutation } from '@urql/vue';
import { ref, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import {
  ApplicationStatusSubscription,
  NumberApplicationsQuery,
  ReviewApplicationMutation,
  ReviewMaterialsMutation,
  RetryAllocationMutation,
  type Application,
  type ApplicationNumberStatus,
  type ApplicationStatus,
  type MaterialsStatus,
} from '../graphql/applications';
import { useLiveList } from './useLiveList';

export interface ApplicationFilters {
  status?: MaybeRefOrGetter<ApplicationStatus | null>;
  numberStatus?: MaybeRefOrGetter<ApplicationNumberStatus | null>;
  materialsStatus?: MaybeRefOrGetter<MaterialsStatus | null>;
  /** Applied on or after this day (YYYY-MM-DD, local time). */
  from?: MaybeRefOrGetter<string>;
  /** Applied on or before this day (YYYY-MM-DD, local time). */
  to?: MaybeRefOrGetter<string>;
  oldestFirst?: boolean;
}

const dayStart = (day: string) => (day ? new Date(`${day}T00:00:00`) : null);
const dayAfter = (day: string) => (day ? new Date(new Date(`${day}T00:00:00`).getTime() + 86_400_000) : null);

/** N3: number applications with both status columns, kept current by `applicationStatusChanged`. */
export function useApplications(filters: ApplicationFilters = {}) {
  const status = () => toValue(filters.status) ?? null;
  const numberStatus = () => toValue(filters.numberStatus) ?? null;
  const from = () => dayStart(toValue(filters.from) ?? '');
  const to = () => dayAfter(toValue(filters.to) ?? '');
  const order = filters.oldestFirst ? 1 : -1;
  return useLiveList({
    query: NumberApplicationsQuery,
    variables: () => ({
      status: status(),
      numberStatus: numberStatus(),
      from: from()?.toISOString() ?? null,
      to: to()?.toISOString() ?? null,
      first: 100,
    }),
    nodesOf: (d) => d.numberApplications.edges.map((e) => e.node),
    subscription: ApplicationStatusSubscription,
    cursorOf: (d) => d.applicationStatusChanged.cursor,
    changeOf: (d) => ({ id: d.applicationStatusChanged.application.id, node: d.applicationStatusChanged.application }),
    matches: (a: Application) => {
      const applied = new Date(a.appliedAt);
      const materials = toValue(filters.materialsStatus) ?? null;
      return (
        (!status() || a.status === status()) &&
        (!numberStatus() || a.numberStatus === numberStatus()) &&
        (!materials || a.materialsStatus === materials) &&
        (!from() || applied >= from()!) &&
        (!to() || applied < to()!)
      );
    },
    compare: (a, b) => order * a.appliedAt.localeCompare(b.appliedAt) || order * a.ticketNo.localeCompare(b.ticketNo, undefined, { numeric: true }),
  });
}

/** OPERATOR actions: the application review and allocation retry (N3), the carrier's review of 400 materials (N6). */
export function useApplicationReview() {
  const review = useMutation(ReviewApplicationMutation);
  const materials = useMutation(ReviewMaterialsMutation);
  const retry = useMutation(RetryAllocationMutation);
  const busyId = ref<string | null>(null);
  const error = ref<string | null>(null);

  async function run(id: string, op: () => Promise<{ error?: Parameters<typeof messageOf>[0] }>): Promise<boolean> {
    busyId.value = id;
    error.value = null;
    const result = await op();
    busyId.value = null;
    error.value = messageOf(result.error);
    return !result.error;
  }

  return {
    busyId,
    error,
    decide: (id: string, decision: 'APPROVE' | 'REJECT', reason: string | null = null) =>
      run(id, () => review.executeMutation({ id, decision, reason })),
    decideMaterials: (id: string, decision: 'APPROVE' | 'REJECT', reason: string | null = null) =>
      run(id, () => materials.executeMutation({ applicationId: id, decision, reason })),
    /** N3: allocates again an approved application that found no stock (after numbers were imported). */
    retryAllocation: (id: string) => run(id, () => retry.executeMutation({ id })),
  };
}
