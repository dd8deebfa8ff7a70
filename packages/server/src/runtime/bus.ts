import { Redis } from 'ioredis';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createEventBus, type EventBus } from '@callplane/schema/core';

/** The bus of a process without the HTTP server (CLI, worker): Redis when REDIS_URL is set, so that running servers hear its events at once (RT2). */
export function createRuntimeBus(redisUrl?: string): { bus: EventBus; close(): void } {
  if (!redisUrl) return { bus: createEventBus(), close: () => {} };
  const publishClient = new Redis(redisUrl);
  const subscribeClient = new Redis(redisUrl);
  // ioredis reconnects by itself; without a listener each failed attempt prints "Unhandled error event"
  let warned = false;
  const onError = (err: Error) => {
    if (!warned) process.stderr.write(`Redis at ${redisUrl}: ${err.message} (retrying)\n`);
    warned = true;
  };
  publishClient.on('error', onError);
  subscribeClient.on('error', onError);
  return {
    bus: createEventBus(createRedisEventTarget({ publishClient, subscribeClient })),
    close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
