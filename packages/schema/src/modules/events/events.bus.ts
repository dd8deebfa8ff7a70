import type { TypedEventTarget } from '@graphql-yoga/typed-event-target';

/** What travels on the bus: a wake-up only; the events table is the source of truth (RT2). */
export interface EventNotice {
  tenantId: string | null;
  appId?: string | null;
  type: string;
  /** The announced event's cursor; for a run of events (one outbox row), the last one's. */
  cursor: string;
  /** How many events it announces: a run's count (default 1). One wake-up, and one bus message, per outbox row. */
  count?: number;
}

type NoticeEvent = CustomEvent<EventNotice>;
const TOPIC = 'callplane:events';

export interface EventBus {
  notify(notices: EventNotice[]): void;
  /** Calls `onNotice` for every notice until the returned function is called. */
  listen(onNotice: (n: EventNotice) => void): () => void;
}

/**
 * A bus over a yoga event target: in-process by default, or the Redis one
 * (@graphql-yoga/redis-event-target) so that several processes share subscribers.
 * Listeners hold no queue, so a slow subscriber costs no memory here.
 */
export function createEventBus(target?: TypedEventTarget<NoticeEvent>): EventBus {
  const et = target ?? (new EventTarget() as unknown as TypedEventTarget<NoticeEvent>);
  // One listener on the target hands each notice to every subscriber: the target's listener
  // count stays 1 however many subscriptions are open (no MaxListeners warning, no per-subscriber
  // Redis subscription).
  const subscribers = new Set<{ onNotice: (n: EventNotice) => void }>();
  const fanOut = (e: NoticeEvent) => {
    for (const s of [...subscribers])
      try {
        s.onNotice(e.detail);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
  };
  return {
    notify(notices) {
      for (const n of notices) et.dispatchEvent(new CustomEvent(TOPIC, { detail: n }) as NoticeEvent);
    },
    listen(onNotice) {
      const entry = { onNotice };
      if (!subscribers.size) et.addEventListener(TOPIC, fanOut as never);
      subscribers.add(entry);
      return () => {
        if (subscribers.delete(entry) && !subscribers.size) et.removeEventListener(TOPIC, fanOut as never);
      };
    },
  };
}
