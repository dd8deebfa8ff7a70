import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { inject, ref, type InjectionKey, type Ref } from 'vue';

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused';

/** The state of the WebSocket that carries subscriptions, shown by the live indicator. */
export interface Link {
  status: Ref<LinkStatus>;
  /** Bumped each time the socket is back after a drop: live streams then resume from their last cursor. */
  reconnects: Ref<number>;
}

export const LinkKey: InjectionKey<Link> = Symbol('link');

/** 4403: the server refused the key (unknown, revoked or expired); retrying cannot help. */
const CLOSE_FORBIDDEN = 4403;

const closeCode = (e: unknown) => (e as { code?: number } | null)?.code;

export const authHeader = (key: string) => ({ authorization: `Bearer ${key}` });

function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

/** One urql client per signed-in key: HTTP for queries and mutations (multipart for files), graphql-ws for subscriptions. */
export function createCallplaneClient(key: string) {
  const link: Link = { status: ref('connecting'), reconnects: ref(0) };
  let connectedBefore = false;
  const ws = createWsClient({
    url: socketUrl(),
    connectionParams: authHeader(key),
    lazy: false,
    retryAttempts: Infinity,
    // Exponential back-off with jitter, capped so that a dashboard left open comes back within ~10 s.
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 8000) + Math.random() * 1500)),
    shouldRetry: (e) => closeCode(e) !== CLOSE_FORBIDDEN,
    onNonLazyError: () => {},
    on: {
      connecting: () => (link.status.value = connectedBefore ? 'reconnecting' : 'connecting'),
      connected: () => {
        link.status.value = 'live';
        if (connectedBefore) link.reconnects.value++;
        connectedBefore = true;
      },
      closed: (e) => (link.status.value = closeCode(e) === CLOSE_FORBIDDEN ? 'refused' : 'offline'),
    },
  });
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: authHeader(key) }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, link, dispose: () => ws.dispose() };
}

export function useLink(): Link {
  const link = inject(LinkKey);
  if (!link) throw new Error('useLink() outside the signed-in layout');
  return link;
}
