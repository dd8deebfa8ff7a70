import { Redis } from 'ioredis';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createEventBus, type EventBus } from '@callplane/schema';

/** The bus of a process without the HTTP server (CLI, worker): Redis when REDIS_URL is set, so that running servers hear its events at once (RT2). */
export function createRuntimeBus(redisUrl?: string): { bus: EventBus; close(): void } {
  if (!redisUrl) return { bus: createEventBus(), close: () => {} };
  const publishClient = new Redis(redisUrl);
  const subscribeClient = new Redis(redisUrl);
  return {
    bus: createEventBus(createRedisEventTarget({ publishClient, subscribeClient })),
    close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
