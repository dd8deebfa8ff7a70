import { computed, ref, watch } from 'vue';
import { messageOf } from '../errors';
import { CallVolumeQuery } from '../graphql/calls';
import { ApplicationCountsQuery, OverviewEventsSubscription, PoolTotalsQuery, WebhookHealthQuery, type OverviewEventType } from '../graphql/overview';
import { sections } from '../sections';
import { useServerClock } from './useBindings';
import { useLiveCalls } from './useLiveCalls';
import { useLiveRead } from './useLiveRead';
import { useLiveStream } from './useLiveStream';
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
  const show = { pools: mayOpen('pools'), calls: mayOpen('calls'), applications: mayOpen('applications'), webhooks: mayOpen('webhooks') };

  const pools = useLiveRead(PoolTotalsQuery, () => ({}));
  const applications = useLiveRead(ApplicationCountsQuery, () => ({}));
  const webhooks = useLiveRead(WebhookHealthQuery, () => ({}));
  // the last hour by the server clock: read once the clock is known, again as each minute turns
  const volume = useLiveRead(CallVolumeQuery, () => (now.value === null ? null : { since: new Date(now.value - HOUR).toISOString() }));

  const tiles = [
    { shown: show.pools, read: pools, types: ['POOL_USAGE_CHANGED', 'PRIVACY_APP_CHANGED'] },
    { shown: show.applications, read: applications, types: ['APPLICATION_STATUS_CHANGED'] },
    { shown: show.webhooks, read: webhooks, types: ['DELIVERY_CHANGED'] },
    { shown: show.calls, read: volume, types: ['CDR_CREATED'] },
  ] satisfies { shown: boolean; read: { read(): Promise<void>; changed(): void }; types: OverviewEventType[] }[];
  const shown = tiles.filter((t) => t.shown);
  const types = [...new Set(shown.flatMap((t) => t.types))];

  // PARTNER keys see none of these pages: no stream at all then
  const positioned = ref(false);
  const stream = shown.length
    ? useLiveStream(OverviewEventsSubscription, {
        variables: (after) => ({ after, types }),
        cursorOf: (d) => d.events.cursor,
        onPositioned: () => {
          if (positioned.value) return;
          positioned.value = true;
          for (const t of shown) void t.read.read();
        },
        onItem: (d) => {
          observe(d.events.occurredAt);
          for (const t of shown) if ((t.types as string[]).includes(d.events.type)) t.read.changed();
        },
      })
    : null;

  // read only once positioned: a CDR between an earlier read and the stream's position would be lost
  const minute = computed(() => (now.value === null ? null : Math.floor(now.value / MINUTE)));
  watch([minute, positioned], ([m, p]) => show.calls && m !== null && p && void volume.read());

  const calls = show.calls ? useLiveCalls((e) => observe(e.occurredAt)) : null;

  return {
    show,
    pools,
    applications,
    webhooks,
    volume,
    /** C1: calls ringing, queued or talking (ended rows linger on the live table; not counted here). */
    inProgress: computed(() => calls?.rows.value.filter((r) => r.call.state !== 'ENDED').length ?? 0),
    callsLoading: computed(() => calls?.loading.value ?? false),
    callsError: computed(() => calls?.error.value ?? null),
    streamError: computed(() => messageOf(stream?.error.value)),
  };
}
