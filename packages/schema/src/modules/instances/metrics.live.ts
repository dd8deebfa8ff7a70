// I3: metrics pushed when they change. One database read per event per process: subscribers of
// one instance share the computation made for an event (keyed by instance and event cursor).
import type { ServiceContext } from '../../context.js';
import type { StoredEvent } from '../events/events.service.js';
import { metricsOf, type InstanceMetrics } from './metrics.service.js';

/** Events that change an instance's metrics (a CALL_EVENT of an instance's call carries its instanceId: the queue, C1). */
export const METRICS_EVENTS = ['AGENT_STATUS_CHANGED', 'AGENTS_CHANGED', 'CALL_EVENT'] as const;

/** The most recent computations kept (enough for every instance of one event burst). */
const MEMO_SIZE = 512;
/** By instance id and event cursor: an instance id is a random UUID, so one map serves every database of the process. */
const memo = new Map<string, Promise<InstanceMetrics>>();

/** Computations of metrics for subscribers in this process: for tests and benchmarks. */
export const metricsReads = { count: 0 };

/**
 * The metrics of the instance as of (at least) the event: computed once per process for every
 * subscriber of the instance that received the same event. Who may read them was checked when
 * each subscriber subscribed (the instance is visible to it); the counts are the same for all.
 */
export function metricsAfterEvent(ctx: ServiceContext, instanceId: string, event: Pick<StoredEvent, 'cursor'>): Promise<InstanceMetrics> {
  const key = `${instanceId}|${event.cursor}`;
  let pending = memo.get(key);
  if (!pending) {
    metricsReads.count++;
    pending = metricsOf(ctx, [instanceId]).then((m) => m.get(instanceId)!);
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
    // keep the newest only: a Map iterates in insertion order
    for (const old of memo.keys()) {
      if (memo.size <= MEMO_SIZE) break;
      memo.delete(old);
    }
  }
  return pending;
}

/**
 * The metrics of one instance each time an event of `events` changes them (the same counts twice
 * in a row are pushed once). Ends when the instance is deleted.
 */
export async function* metricsChanges(
  ctx: ServiceContext,
  instanceId: string,
  events: AsyncIterable<StoredEvent> & { return?: () => unknown },
): AsyncGenerator<InstanceMetrics> {
  let last = '';
  try {
    for await (const e of events) {
      if (e.payload.instanceId !== instanceId && e.subjectId !== instanceId) continue;
      if (e.type === 'INSTANCE_DELETED') return;
      const metrics = await metricsAfterEvent(ctx, instanceId, e);
      const seen = JSON.stringify(metrics);
      if (seen === last) continue;
      last = seen;
      yield metrics;
    }
  } finally {
    await events.return?.();
  }
}
