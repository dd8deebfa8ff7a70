import type { CombinedError } from '@urql/core';
import { useClientHandle } from '@urql/vue';
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import { messageOf } from '../errors';
import { CallVolumeQuery, type CdrRow } from '../graphql/calls';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Counts {
  calls: number;
  answered: number;
}

/** A CDR counted live, with the browser time it came: a read sent after it counts it already. */
interface Counted {
  minute: number;
  answered: boolean;
  receivedAt: number;
}

/** The charts are redrawn at most this often (or at once when the minute turns). */
export const CHART_REDRAW_MS = 5_000;

type Series = { minute: number; calls: number; answered: number }[];
const sameCounts = (a: Series, b: Series) => a.length === b.length && a.every((x, i) => x.minute === b[i]!.minute && x.calls === b[i]!.calls && x.answered === b[i]!.answered);

const minuteOf = (t: number) => Math.floor(t / MINUTE) * MINUTE;

/**
 * C2: calls per minute and answer rate over the last hour (server clock `now`). The hour is read
 * from `callVolume` (one grouped query, not the hour's CDRs), again whenever the minute turns;
 * the CDRs that arrive in between are added to their minute at once (`count`). A CDR that came
 * before a read was sent is in that read, so it is counted once. The series move once a second
 * with the clock, however many CDRs arrive; the charts' copy (`drawn`) at most every
 * CHART_REDRAW_MS, and only when a count changed (a chart redraw costs the page a frame's layout
 * and paint; the totals above the charts still move every second).
 */
export function useCallVolume(now: Ref<number | null>) {
  const { client } = useClientHandle();
  const read = shallowRef<Map<number, Counts> | null>(null);
  const readError = ref<CombinedError | null>(null);
  let counted: Counted[] = [];

  async function load(serverNow: number) {
    const sentAt = Date.now();
    const r = await client.query(CallVolumeQuery, { since: new Date(serverNow - HOUR).toISOString() }, { requestPolicy: 'network-only' }).toPromise();
    readError.value = r.error ?? null;
    if (!r.data) return;
    counted = counted.filter((c) => c.receivedAt >= sentAt);
    read.value = new Map(r.data.callVolume.map((b) => [new Date(b.minute).getTime(), { calls: b.calls, answered: b.answered }]));
  }

  const currentMinute = computed(() => (now.value === null ? null : minuteOf(now.value)));
  watch(currentMinute, (m) => m !== null && void load(now.value!), { immediate: true });

  function count(cdr: CdrRow, change: string) {
    if (change !== 'CREATED') return;
    counted.push({ minute: minuteOf(new Date(cdr.endedAt).getTime()), answered: !!cdr.answeredAt, receivedAt: Date.now() });
  }

  /** The 60 minutes up to the current one, oldest first; recomputed as the clock ticks. */
  const series = computed(() => {
    const end = currentMinute.value;
    if (end === null || !read.value) return null;
    const minutes = Array.from({ length: 60 }, (_, i) => end - (59 - i) * MINUTE);
    const byMinute = new Map(minutes.map((m) => [m, { ...(read.value!.get(m) ?? { calls: 0, answered: 0 }) }]));
    void now.value; // recomputed every tick: `counted` is not reactive, on purpose
    for (const c of counted) {
      const b = byMinute.get(c.minute);
      if (b) (b.calls++, c.answered && b.answered++);
    }
    return minutes.map((minute) => ({ minute, ...byMinute.get(minute)! }));
  });

  const drawn = shallowRef<Series | null>(null);
  let drawnAt = 0;
  watch(series, (s) => {
    const shown = drawn.value;
    if (!s || !shown) return void ((drawn.value = s), (drawnAt = Date.now()));
    if (sameCounts(s, shown)) return;
    if (s.at(-1)!.minute === shown.at(-1)!.minute && Date.now() - drawnAt < CHART_REDRAW_MS) return;
    drawn.value = s;
    drawnAt = Date.now();
  }, { immediate: true });

  return {
    series,
    /** The series as the charts draw it: see CHART_REDRAW_MS. */
    drawn,
    /** Calls and answered ones over the whole hour. */
    totals: computed(() => series.value?.reduce((t, b) => ({ calls: t.calls + b.calls, answered: t.answered + b.answered }), { calls: 0, answered: 0 }) ?? null),
    count,
    error: computed(() => messageOf(readError.value)),
  };
}
