import type { CombinedError } from '@urql/core';
import { useClientHandle, useMutation, useQuery, useSubscription } from '@urql/vue';
import { computed, onScopeDispose, reactive, ref, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { useLink } from '../client';
import { messageOf } from '../errors';
import { EventCursorQuery } from '../graphql/events';
import {
  AgentBoardQuery,
  AgentStatusSubscription,
  InstanceMetricsSubscription,
  SetAgentStatusMutation,
  type Agent,
  type AgentStatus,
  type InstanceMetrics,
} from '../graphql/agents';
import { useLiveStream } from './useLiveStream';

/** An agent as last received, and when: its time in status ticks on from there (the server's clock may not be the browser's). */
interface Seen {
  agent: Agent;
  receivedAt: number;
}

/** A clock for the board: `now` moves every second while the board is shown. */
function useTicker(ms = 1000) {
  const now = ref(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), ms);
  onScopeDispose(() => clearInterval(timer));
  return now;
}

/**
 * I3: the agent board of one instance. Agents come from the query, then `agentStatusChanged`
 * (read from its position first, RT3, so no change is lost); the counts from the query, then
 * every push of `instanceMetricsChanged`.
 */
export function useAgentBoard(instanceId: MaybeRefOrGetter<string>) {
  const positioned = ref(false);
  // The metrics stream replays from the position read before the board (RT3), like the agents' stream.
  const metricsAfter = ref<string | null>(null);
  const head = useClientHandle().client.query(EventCursorQuery, {}, { requestPolicy: 'network-only' }).toPromise();
  const headError = ref<CombinedError | null>(null);
  void head.then((r) => {
    headError.value = r.error ?? null;
    metricsAfter.value = r.data?.eventCursor ?? null;
  });
  const query = useQuery({
    query: AgentBoardQuery,
    variables: computed(() => ({ id: toValue(instanceId), first: 100 })),
    pause: computed(() => !positioned.value || !metricsAfter.value),
    requestPolicy: 'network-only',
  });
  const live = reactive(new Map<string, Seen>()) as Map<string, Seen>;
  const queriedAt = ref(Date.now());
  watch(query.data, () => (queriedAt.value = Date.now()));

  const stream = useLiveStream(AgentStatusSubscription, {
    variables: (after) => ({ after, instanceId: toValue(instanceId) }),
    cursorOf: (d) => d.agentStatusChanged.cursor,
    onPositioned: () => void (positioned.value = true),
    onItem: (d) => {
      const agent = d.agentStatusChanged.agent;
      if (agent) live.set(agent.id, { agent, receivedAt: Date.now() });
    },
  });

  const metricsPush = useSubscription({
    query: InstanceMetricsSubscription,
    variables: computed(() => ({ instanceId: toValue(instanceId), after: metricsAfter.value })),
    pause: computed(() => !metricsAfter.value),
  });
  const refetch = () => query.executeQuery({ requestPolicy: 'network-only' });
  watch(useLink().reconnects, refetch);

  const agents = computed<Seen[]>(() => {
    const byId = new Map<string, Seen>();
    for (const e of query.data.value?.instance?.agents.edges ?? []) byId.set(e.node.id, { agent: e.node, receivedAt: queriedAt.value });
    for (const [id, seen] of live) {
      const known = byId.get(id);
      // a replayed change older than what the query read does not win
      if (!known || seen.agent.statusSince >= known.agent.statusSince) byId.set(id, seen);
    }
    return [...byId.values()].sort((a, b) => a.agent.name.localeCompare(b.agent.name));
  });

  const metrics = computed<InstanceMetrics | null>(() => metricsPush.data.value?.instanceMetricsChanged ?? query.data.value?.instance?.metrics ?? null);
  const now = useTicker();

  return {
    agents,
    metrics,
    /** Seconds in the current status: what the server said, plus the time since it said it. */
    secondsInStatus: (seen: Seen) => seen.agent.secondsInStatus + Math.max(0, Math.floor((now.value - seen.receivedAt) / 1000)),
    loading: computed(() => (!positioned.value || !metricsAfter.value || query.fetching.value) && !query.data.value),
    error: computed(() => messageOf(headError.value) ?? messageOf(query.error.value) ?? messageOf(stream.error.value) ?? messageOf(metricsPush.error.value)),
    refetch,
    /** Applies a mutation's answer at once (the stream brings the same change too). */
    put: (agent: Agent) => live.set(agent.id, { agent, receivedAt: Date.now() }),
  };
}

export type BoardAgent = Seen;

/** I3: a TENANT_ADMIN, or the user linked to the agent, sets its status (BREAK takes a reason). */
export function useSetAgentStatus() {
  const mutation = useMutation(SetAgentStatusMutation);
  const busy = ref<string | null>(null);
  const error = ref<string | null>(null);
  async function set(agentId: string, status: AgentStatus, reason: string | null): Promise<Agent | null> {
    busy.value = agentId;
    error.value = null;
    const result = await mutation.executeMutation({ agentId, status, reason: status === 'BREAK' ? reason?.trim() || null : null });
    busy.value = null;
    error.value = messageOf(result.error);
    return result.data?.setAgentStatus ?? null;
  }
  return { set, busy, error };
}

/** "1:05", "12:00:07": time in status as a clock shows it. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
