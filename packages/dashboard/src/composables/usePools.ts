import { useClientHandle, useQuery } from '@urql/vue';
import type { CombinedError } from '@urql/core';
import { computed, onScopeDispose, reactive, ref, watch } from 'vue';
import { useLink } from '../client';
import { messageOf } from '../errors';
import {
  BindingChangedSubscription,
  BindingsQuery,
  PoolNumbersQuery,
  PoolUsageChangedSubscription,
  PrivacyAppsQuery,
  type Binding,
  type BindingChange,
  type PoolCity,
  type PoolNumberRow,
} from '../graphql/privacy';
import { useServerClock } from './useBindings';
import { useLiveStream } from './useLiveStream';

const HOUR = 3_600_000;
const MAX_PAGES = 10;

export interface CityUsage extends PoolCity {
  changedAt: number;
}

/** What the activity chart needs of a binding: when it was made and when it stopped routing by expiry. */
interface Lifetime {
  createdAt: number;
  expiredAt: number | null;
  /** Still running at load: it expires at `expiresAt` unless ended first. */
  expiresAt: number | null;
  ended: boolean;
}

const lifetimeOf = (b: Binding): Lifetime => ({
  createdAt: new Date(b.createdAt).getTime(),
  expiredAt: b.endReason === 'EXPIRED' ? new Date(b.expiresAt ?? b.endedAt!).getTime() : null,
  expiresAt: b.expiresAt ? new Date(b.expiresAt).getTime() : null,
  ended: !!b.endedAt,
});

/**
 * P1, P4: the pools page. Both streams take their position first (eventCursor), then the apps,
 * pool numbers and recent bindings are read: a change in between is in the data or replayed.
 * Pool usage per city comes straight from `poolUsageChanged`; a binding change re-reads the
 * pool numbers' quotas (once per burst) and feeds the last hour's activity. No polling.
 */
export function usePools() {
  const { client } = useClientHandle();
  const { now, observe } = useServerClock();
  const positions = ref(0);
  const positioned = computed(() => positions.value >= 2);
  const errors = ref<CombinedError | null>(null);

  const apps = useQuery({ query: PrivacyAppsQuery, variables: { withKeys: false }, pause: computed(() => !positioned.value) });
  const liveUsage = reactive(new Map<string, CityUsage>()) as Map<string, CityUsage>;
  const key = (appId: string, c: { province: string; city: string }) => `${appId}|${c.province}|${c.city}`;

  const poolNumbers = ref<PoolNumberRow[]>([]);
  const lifetimes = reactive(new Map<string, Lifetime>()) as Map<string, Lifetime>;
  const loaded = ref(false);

  let reads = 0;
  /** All pool numbers (up to MAX_PAGES pages); a read overtaken by a later one is dropped. */
  async function loadPoolNumbers() {
    const mine = ++reads;
    const rows: PoolNumberRow[] = [];
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await client.query(PoolNumbersQuery, { after }, { requestPolicy: 'network-only' }).toPromise();
      if (r.error || !r.data) return void (errors.value = r.error ?? null);
      rows.push(...r.data.poolNumbers.edges.map((e) => e.node));
      if (!r.data.poolNumbers.pageInfo.hasNextPage) break;
      after = r.data.poolNumbers.pageInfo.endCursor ?? null;
    }
    if (mine === reads) poolNumbers.value = rows;
  }

  /**
   * The last hour's activity: the bindings created in it (newest first, until older), and the ones
   * that ended in it whenever they were made (endedSince), with what they say about expiry.
   */
  async function loadRecentBindings(serverNow: number) {
    await readBindings({}, (oldest) => new Date(oldest.createdAt as string).getTime() < serverNow - 2 * HOUR);
    await readBindings({ endedSince: new Date(serverNow - HOUR).toISOString() }, () => false);
  }

  async function readBindings(filter: { endedSince?: string }, oldEnough: (oldest: { createdAt: unknown }) => boolean) {
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await client.query(BindingsQuery, { ...filter, first: 100, after }, { requestPolicy: 'network-only' }).toPromise();
      if (r.error || !r.data) return void (errors.value = r.error ?? null);
      const nodes = r.data.privacyBindings.edges.map((e) => e.node);
      for (const b of nodes) if (!lifetimes.has(b.id)) lifetimes.set(b.id, lifetimeOf(b));
      const oldest = nodes.at(-1);
      if (!r.data.privacyBindings.pageInfo.hasNextPage || !oldest || oldEnough(oldest)) break;
      after = r.data.privacyBindings.pageInfo.endCursor ?? null;
    }
  }

  let pending: ReturnType<typeof setTimeout> | null = null;
  /** One re-read of the quotas per burst of changes. */
  function quotasChanged() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      void loadPoolNumbers();
    }, 250);
  }
  onScopeDispose(() => pending && clearTimeout(pending));

  function onBindingChange(c: BindingChange) {
    observe(c.occurredAt);
    const b = c.binding;
    if (b && (lifetimes.has(b.id) || c.change === 'BOUND' || c.change === 'EXPIRED')) {
      const next = lifetimeOf(b);
      if (c.change === 'EXPIRED' && next.expiredAt === null) next.expiredAt = new Date(c.expiresAt ?? c.occurredAt).getTime();
      lifetimes.set(b.id, next);
    }
    if (c.change !== 'UPDATED') quotasChanged();
  }

  const usageStream = useLiveStream(PoolUsageChangedSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.poolUsageChanged.cursor,
    onPositioned: () => void positions.value++,
    onItem: (d) => {
      const u = d.poolUsageChanged;
      observe(u.occurredAt);
      if (!u.app) return;
      const k = key(u.app.id, u);
      const before = liveUsage.get(k);
      liveUsage.set(k, { province: u.province, city: u.city, total: u.total, bound: u.bound, free: u.free, changedAt: Date.now() });
      // Numbers joined or left the pool: the quota list has other rows now.
      if (!before || before.total !== u.total) quotasChanged();
    },
  });
  const bindingStream = useLiveStream(BindingChangedSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.bindingChanged.cursor,
    onPositioned: () => void positions.value++,
    onItem: (d) => onBindingChange(d.bindingChanged),
  });

  async function loadAll() {
    await loadPoolNumbers();
    const serverNow = now.value ?? (await new Promise<number>((resolve) => watch(now, (n) => n !== null && resolve(n))));
    await loadRecentBindings(serverNow);
    loaded.value = true;
  }
  watch(positioned, (p) => p && void loadAll(), { immediate: true });

  function refetch() {
    errors.value = null;
    apps.executeQuery({ requestPolicy: 'network-only' });
    void loadPoolNumbers();
  }
  watch(useLink().reconnects, refetch);

  /** Per app (not X mode: it has no pool), per city: the loaded usage, replaced by every later change. */
  const pools = computed(() =>
    (apps.data.value?.privacyApps.edges.map((e) => e.node) ?? [])
      .filter((a) => a.mode !== 'X')
      .map((app) => {
        const cities = new Map<string, CityUsage>();
        for (const c of app.poolUsage) cities.set(key(app.id, c), { ...c, changedAt: 0 });
        for (const [k, c] of liveUsage) if (k.startsWith(`${app.id}|`)) cities.set(k, c);
        return { app, cities: [...cities.values()].sort((a, b) => b.total - a.total || a.city.localeCompare(b.city)) };
      }),
  );

  /** P4: the X numbers with the least room left (share of the quota used, then fewest remaining). */
  const closestToQuota = computed(() =>
    poolNumbers.value
      .filter((n) => n.quota?.limit)
      .map((n) => ({ ...n, used: n.quota!.bound / n.quota!.limit! }))
      .filter((n) => n.quota!.bound > 0)
      .sort((a, b) => b.used - a.used || (a.quota!.remaining ?? 0) - (b.quota!.remaining ?? 0) || a.e164.localeCompare(b.e164)),
  );

  /** The last hour in twelve 5-minute buckets: bindings created, bindings that expired (at their expiry second). */
  const activity = computed(() => {
    const end = now.value;
    if (end === null || !loaded.value) return null;
    const start = end - HOUR;
    const buckets = Array.from({ length: 12 }, (_, i) => ({ from: start + i * 300_000, created: 0, expired: 0 }));
    const slot = (t: number) => (t > start && t <= end ? Math.min(11, Math.floor((t - start) / 300_000)) : -1);
    for (const l of lifetimes.values()) {
      const c = slot(l.createdAt);
      if (c >= 0) buckets[c]!.created++;
      const expiredAt = l.expiredAt ?? (!l.ended && l.expiresAt !== null && l.expiresAt <= end ? l.expiresAt : null);
      const e = expiredAt === null ? -1 : slot(expiredAt);
      if (e >= 0) buckets[e]!.expired++;
    }
    return { buckets, created: buckets.reduce((n, b) => n + b.created, 0), expired: buckets.reduce((n, b) => n + b.expired, 0) };
  });

  return {
    pools,
    closestToQuota,
    activity,
    loading: computed(() => !positioned.value || (apps.fetching.value && !apps.data.value)),
    error: computed(
      () => messageOf(apps.error.value) ?? messageOf(errors.value) ?? messageOf(usageStream.error.value) ?? messageOf(bindingStream.error.value),
    ),
    received: computed(() => usageStream.received.value + bindingStream.received.value),
    refetch,
  };
}
