import type { CombinedError } from '@urql/core';
import { useClientHandle } from '@urql/vue';
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue';
import { useLink } from '../client';
import { messageOf } from '../errors';
import { CallEventsSubscription, LiveCallsQuery, type CallEventChange, type LiveCall, type NamedCall } from '../graphql/calls';
import { useLiveStream } from './useLiveStream';
import { useNames } from './useNames';

/** The window of the table: the newest calls in progress; older ones leave it (bounded memory under load). */
export const MAX_LIVE_ROWS = 1000;
/** An ended call stays on screen this long (browser time), marked ended, then leaves; at most MAX_ENDED_ROWS of them. */
export const ENDED_LINGER_MS = 4000;
const MAX_ENDED_ROWS = 200;
const MAX_PAGES = MAX_LIVE_ROWS / 100;

/** A row of the table: replaced by a new object when its call changes, so unchanged rows are not re-rendered. */
export interface LiveCallRow {
  call: LiveCall;
  /** The switch's id of the last event applied (the bench reads it from the row). */
  lastEventId: string | null;
  /** Browser time the call was seen ENDED. */
  endedSeenAt: number | null;
}

const startOf = (c: LiveCall) => c.callInAt ?? c.queuedAt ?? c.alertingAt ?? c.updatedAt;
/** ISO times compare as strings; plain `<` rather than localeCompare: this sort runs on every frame with changes. */
const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
const newestFirst = (a: LiveCallRow, b: LiveCallRow) => desc(startOf(a.call), startOf(b.call)) || desc(a.call.id, b.call.id);

/**
 * C1: the live calls table. The stream takes its position first (RT3), then the calls in progress
 * are read (up to MAX_LIVE_ROWS, newest first); every call event replaces its call's row. Changes
 * are applied to a plain Map and shown once per animation frame (one sort, one shallow array),
 * however many events arrive in between; ended rows leave after ENDED_LINGER_MS, and beyond
 * MAX_LIVE_ROWS the oldest calls in progress leave the window: memory stays bounded.
 */
export function useLiveCalls(onEvent?: (e: CallEventChange) => void) {
  const { client } = useClientHandle();
  const byId = new Map<string, LiveCallRow>();
  const names = useNames();
  const rows = shallowRef<LiveCallRow[]>([]);
  const loaded = ref(false);
  const readError = ref<CombinedError | null>(null);

  let frame = 0;
  function show() {
    frame = 0;
    const now = Date.now();
    const live: LiveCallRow[] = [];
    const ended: LiveCallRow[] = [];
    for (const [id, r] of byId) {
      if (r.endedSeenAt === null) live.push(r);
      else if (now - r.endedSeenAt < ENDED_LINGER_MS) ended.push(r);
      else byId.delete(id);
    }
    live.sort(newestFirst);
    for (const r of live.splice(MAX_LIVE_ROWS)) byId.delete(r.call.id);
    ended.sort((a, b) => b.endedSeenAt! - a.endedSeenAt!);
    for (const r of ended.splice(MAX_ENDED_ROWS)) byId.delete(r.call.id);
    rows.value = ended.length ? [...live, ...ended].sort(newestFirst) : live;
  }
  const schedule = () => void (frame ||= requestAnimationFrame(show));
  // ended rows leave even when no event comes
  const sweep = setInterval(() => byId.size && [...byId.values()].some((r) => r.endedSeenAt !== null) && schedule(), 1000);
  onScopeDispose(() => {
    clearInterval(sweep);
    if (frame) cancelAnimationFrame(frame);
  });

  function put(call: LiveCall, lastEventId: string | null) {
    const known = byId.get(call.id);
    if (known && call.updatedAt < known.call.updatedAt) return;
    const ended = call.state === 'ENDED';
    names.want(call.appId, call.instanceId, call.agentId);
    byId.set(call.id, { call, lastEventId: lastEventId ?? known?.lastEventId ?? null, endedSeenAt: ended ? (known?.endedSeenAt ?? Date.now()) : null });
    schedule();
  }

  const learnNames = (c: NamedCall) => (names.learn(c.app), names.learn(c.instance), names.learn(c.agent));

  async function read() {
    readError.value = null;
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await client.query(LiveCallsQuery, { after }, { requestPolicy: 'network-only' }).toPromise();
      if (r.error || !r.data) return void (readError.value = r.error ?? null);
      // a call the stream brought already is newer than the page (its names are still worth learning)
      for (const e of r.data.liveCalls.edges) {
        learnNames(e.node);
        if (!byId.has(e.node.id)) put(e.node, null);
      }
      if (!r.data.liveCalls.pageInfo.hasNextPage) break;
      after = r.data.liveCalls.pageInfo.endCursor ?? null;
    }
    loaded.value = true;
  }

  const stream = useLiveStream(CallEventsSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.callEvents.cursor,
    onPositioned: () => void (loaded.value || read()),
    onItem: (d) => {
      const e = d.callEvents;
      if (e.call) put(e.call, e.eventId);
      onEvent?.(e);
    },
  });
  // the stream replays what a dropped socket missed; the rows read before are read again too
  watch(useLink().reconnects, () => void read());

  return {
    rows,
    loading: computed(() => !loaded.value && !readError.value),
    error: computed(() => messageOf(readError.value) ?? messageOf(stream.error.value)),
    nameOf: names.nameOf,
    refetch: () => void read(),
    received: stream.received,
  };
}
