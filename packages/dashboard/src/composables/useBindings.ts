import { useClientHandle, useMutation } from '@urql/vue';
import { computed, onScopeDispose, ref, toValue, type MaybeRefOrGetter } from 'vue';
import { messageOf } from '../errors';
import { BindingChangedSubscription, BindingsQuery, ServerNowQuery, UnbindMutation, type Binding, type BindingChange } from '../graphql/privacy';
import { useLiveList } from './useLiveList';

/**
 * The server clock, ticking in the page: read `now` once, then count locally from that offset,
 * so expiry countdowns and "the last hour" follow the server's (possibly manual) clock.
 */
export function useServerClock(tickMs = 1000) {
  const { client } = useClientHandle();
  const offset = ref<number | null>(null);
  const local = ref(Date.now());
  const startedAt = Date.now();
  void client
    .query(ServerNowQuery, {}, { requestPolicy: 'network-only' })
    .toPromise()
    .then((r) => {
      if (r.data) offset.value = new Date(r.data.now).getTime() - (startedAt + Date.now()) / 2;
    });
  const timer = setInterval(() => (local.value = Date.now()), tickMs);
  onScopeDispose(() => clearInterval(timer));
  /** A time the server has reached (an event's occurredAt): a manual clock moved forward is followed at once. */
  function observe(serverTime: string) {
    const ahead = new Date(serverTime).getTime() - Date.now();
    if (offset.value !== null && ahead > offset.value) (offset.value = ahead), (local.value = Date.now());
  }
  return {
    /** Milliseconds on the server clock; null until the offset is known. */
    now: computed(() => (offset.value === null ? null : local.value + offset.value)),
    observe,
  };
}

const digits = (s: string) => s.replace(/\D/g, '').replace(/^(86)?0?/, '');

/** Whether a binding has the searched number as A, B or X (the query's own filter, for live rows). */
export function hasNumber(b: Pick<Binding, 'a' | 'b' | 'x'>, number: string): boolean {
  const wanted = digits(number);
  return !wanted || [b.a, b.b, b.x].some((n) => !!n && digits(n) === wanted);
}

/** P9: bindings by number (A, B or X), newest first, kept current by `bindingChanged`. */
export function useBindingSearch(number: MaybeRefOrGetter<string>, onChange?: (c: BindingChange) => void) {
  return useLiveList({
    query: BindingsQuery,
    variables: () => ({ number: toValue(number).trim() || null, first: 50 }),
    nodesOf: (d) => d.privacyBindings.edges.map((e) => e.node),
    subscription: BindingChangedSubscription,
    cursorOf: (d) => d.bindingChanged.cursor,
    changeOf: (d) => ({ id: d.bindingChanged.binding?.id ?? d.bindingChanged.cursor, node: d.bindingChanged.binding ?? null }),
    matches: (b: Binding) => hasNumber(b, toValue(number).trim()),
    compare: (a, b) => b.createdAt.localeCompare(a.createdAt),
    onChange: (d) => onChange?.(d.bindingChanged),
  });
}

/** Seconds left until `expiresAt` on the server clock (0 once past), null when permanent or the clock is unknown. */
export function secondsLeft(expiresAt: string | null, now: number | null): number | null {
  if (!expiresAt || now === null) return null;
  return Math.max(0, Math.floor((new Date(expiresAt).getTime() - now) / 1000));
}

/** 7 230 s → "2:00:30"; 2 days and more → "2 d 03:00:00". */
export function formatCountdown(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${h}:${pad(m)}:${pad(s)}`;
  return d ? `${d} d ${pad(h)}:${pad(m)}:${pad(s)}` : clock;
}

/** P5: ends one binding; the server's code (e.g. 1012001) is shown as it words it. */
export function useUnbind() {
  const mutation = useMutation(UnbindMutation);
  const error = ref<string | null>(null);
  const busy = ref(false);
  async function unbind(b: Binding): Promise<Binding | null> {
    if (!b.app) return (error.value = 'The binding’s app is not visible to this key.'), null;
    busy.value = true;
    error.value = null;
    const result = await mutation.executeMutation({ appId: b.app.id, bindingId: b.id });
    busy.value = false;
    error.value = messageOf(result.error);
    return result.data?.unbind[0] ?? null;
  }
  return { unbind, error, busy };
}

/** ACTIVE, or why it stopped: a binding past its expiry stops routing at that second, before the clean-up job writes EXPIRED (P5). */
export function bindingStatus(b: Pick<Binding, 'endReason' | 'expiresAt' | 'active'>, now: number | null): string {
  if (b.endReason) return b.endReason;
  if (b.expiresAt && now !== null && new Date(b.expiresAt).getTime() <= now) return 'EXPIRED';
  return b.active ? 'ACTIVE' : 'EXPIRED';
}
