import { computed, watch } from 'vue';
import { CallVolumeQuery } from '../graphql/calls';
import type { EventType } from '../graphql/events';
import { ApplicationCountsQuery, PoolTotalsQuery, WebhookHealthQuery } from '../graphql/overview';
import { PackageUsageQuery } from '../graphql/voice';
import { sections } from '../sections';
import { useServerClock } from './useBindings';
import { useLiveCalls } from './useLiveCalls';
import { useEventDrivenReads, useLiveRead, type LiveRead } from './useLiveRead';
import { useSession } from './useSession';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Whether the signed-in role may open the page a tile links to: a tile shows only then. */
function mayOpen(name: string): boolean {
  const section = sections.find((s) => s.name === name);
  return !!section && useSession().can(section.roles);
}

/**
 * The supervisor's overview: every tile is a small read kept current by ONE `events` stream
 * (RT3: positioned first, replayed after a drop), filtered to the event types that move the
 * visible tiles. Each event re-reads only its tile's counts, once per burst. Calls in progress
 * come from the live calls stream itself (C1).
 */
export function useOverview() {
  const { now, observe } = useServerClock();
  const show = { pools: mayOpen('pools'), calls: mayOpen('calls'), applications: mayOpen('applications'), webhooks: mayOpen('webhooks'), packages: mayOpen('packages') };

  const pools = useLiveRead(PoolTotalsQuery, () => ({}));
  const applications = useLiveRead(ApplicationCountsQuery, () => ({}));
  const webhooks = useLiveRead(WebhookHealthQuery, () => ({}));
  const packages = useLiveRead(PackageUsageQuery, () => ({ days: 7, activeOnly: true }));
  // the last hour by the server clock: read once the clock is known, again as each minute turns
  const volume = useLiveRead(CallVolumeQuery, () => (now.value === null ? null : { since: new Date(now.value - HOUR).toISOString() }));

  const tiles = [
    { shown: show.pools, read: pools, types: ['POOL_USAGE_CHANGED', 'PRIVACY_APP_CHANGED'] },
    { shown: show.applications, read: applications, types: ['APPLICATION_STATUS_CHANGED'] },
    { shown: show.webhooks, read: webhooks, types: ['DELIVERY_CHANGED'] },
    { shown: show.calls, read: volume, types: ['CDR_CREATED'] },
    { shown: show.packages, read: packages, types: ['PACKAGE_USAGE_CHANGED'] },
  ] satisfies { shown: boolean; read: LiveRead; types: EventType[] }[];
  // PARTNER keys see none of these pages: no stream at all then
  const { positioned, error: streamError } = useEventDrivenReads(
    tiles.filter((t) => t.shown),
    (e) => observe(e.occurredAt),
  );

  // read only once positioned: a CDR between an earlier read and the stream's position would be lost
  const minute = computed(() => (now.value === null ? null : Math.floor(now.value / MINUTE)));
  watch([minute, positioned], ([m, p]) => show.calls && m !== null && p && void volume.read());

  const calls = show.calls ? useLiveCalls((e) => observe(e.occurredAt)) : null;

  return {
    show,
    pools,
    applications,
    webhooks,
    packages,
    volume,
    /** C1: calls ringing, queued or talking (ended rows linger on the live table; not counted here). */
    inProgress: computed(() => calls?.rows.value.filter((r) => r.call.state !== 'ENDED').length ?? 0),
    callsLoading: computed(() => calls?.loading.value ?? false),
    callsError: computed(() => calls?.error.value ?? null),
    streamError,
  };
}
