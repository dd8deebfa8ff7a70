import { performance } from 'node:perf_hooks';
import { resolveKeyHash, type Actor, type EventBus, type ResolvedKey, type ServiceContext, hashKey } from '@callplane/schema';

const MAX_KEYS = 10_000;

type Base = Pick<ServiceContext, 'db' | 'clock' | 'bus' | 'settings'>;

/**
 * The keys this process resolved in the last `settings.actorCacheMs`, by the hash of the key, so that a
 * busy key costs no query per request. A revocation empties it: at once in this process (a
 * mutation's notices pass through `bus` here before they are published), and in every other
 * process when the API_KEY_REVOKED notice arrives on the shared bus (Redis). Without a shared
 * bus (a CLI revocation, another process without Redis) the TTL bounds how long a revoked key
 * may still be served, as the WebSocket watcher's interval bounds its open sockets. Only valid
 * keys are kept (an unknown key is asked for each time: a key created a moment ago works at once,
 * and guessed keys fill no memory).
 */
export interface ActorCache {
  /** The presented key's actor, or null when it is unknown, revoked or expired. */
  authenticate(presented: string): Promise<Actor | null>;
  /** The bus of this process with revocations applied here first: give it to request contexts. */
  bus: EventBus;
  forgetAll(): void;
  dispose(): void;
}

const caches = new WeakMap<Base, ActorCache>();

/** The actor cache of an app (one per `base`, shared by GraphQL and the plain routes). */
export function actorCache(base: Base): ActorCache {
  let cache = caches.get(base);
  if (!cache) {
    cache = createActorCache(base);
    caches.set(base, cache);
  }
  return cache;
}

function createActorCache(base: Base): ActorCache {
  const entries = new Map<string, ResolvedKey & { until: number }>();
  const pending = new Map<string, Promise<ResolvedKey | null>>();
  // bumped by every revocation: a look-up that started before it must not fill the cache after it
  let generation = 0;

  const forgetAll = () => {
    generation++;
    entries.clear();
    pending.clear();
  };
  const onNotice = (n: { type: string }) => {
    if (n.type === 'API_KEY_REVOKED') forgetAll();
  };
  const unlisten = base.bus.listen(onNotice);

  async function resolve(hash: string): Promise<ResolvedKey | null> {
    const asked = generation;
    const resolved = await resolveKeyHash(base, hash);
    if (resolved && asked === generation) {
      if (entries.size >= MAX_KEYS) entries.delete(entries.keys().next().value!);
      entries.set(hash, { ...resolved, until: performance.now() + base.settings.actorCacheMs });
    }
    return resolved;
  }

  return {
    async authenticate(presented) {
      const hash = hashKey(presented.trim());
      const hit = entries.get(hash);
      let resolved: ResolvedKey | null | undefined = hit && hit.until > performance.now() ? hit : undefined;
      if (!resolved) {
        // concurrent requests with one key share one look-up
        let lookUp = pending.get(hash);
        if (!lookUp) {
          lookUp = resolve(hash).finally(() => pending.get(hash) === lookUp && pending.delete(hash));
          pending.set(hash, lookUp);
        }
        resolved = await lookUp;
      }
      if (!resolved || (resolved.expiresAt && resolved.expiresAt <= base.clock.now())) return null;
      return resolved.actor;
    },
    bus: {
      listen: base.bus.listen,
      notify(notices) {
        notices.forEach(onNotice);
        base.bus.notify(notices);
      },
    },
    forgetAll,
    dispose() {
      unlisten();
      forgetAll();
      caches.delete(base);
    },
  };
}
