import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import { attachEventTransport, DomainError, formatError, invalidKeyIds, type Actor, type ServiceContext } from '@callplane/schema';
import { actorCache } from './actor-cache.js';
import { frameTransport } from './subscription-frames.js';
import type { createGraphQLServer } from './yoga.js';
import { bearer } from './yoga.js';
import type { Metrics } from './metrics.js';

export const CLOSE_FORBIDDEN = 4403;
/** graphql-ws's own default: a ping every 12 s, and a socket whose pong is not back 12 s later is terminated. */
export const DEFAULT_WS_KEEPALIVE_MS = 12_000;

type Yoga = ReturnType<typeof createGraphQLServer>;

/**
 * GraphQL subscriptions over graphql-ws on the same port and path as HTTP. The key comes in
 * connectionParams.authorization; a bad or missing key closes with 4403, and a watcher closes
 * the sockets of keys revoked or expired since (within `revocationCheckMs`).
 */
/**
 * One event reaches many subscriptions of one socket in the same tick: their frames are written
 * together (the TCP socket corked until the tick ends), one system call instead of one per frame.
 */
function batchWrites(socket: WebSocket, tcp: { cork(): void; uncork(): void }) {
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  let corked = false;
  socket.send = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      tcp.cork();
      setImmediate(() => {
        corked = false;
        tcp.uncork();
      });
    }
    send(...args);
  }) as WebSocket['send'];
}

export function attachWebSocket(
  server: Server,
  yoga: Yoga,
  base: Pick<ServiceContext, 'db' | 'clock' | 'bus' | 'settings'>,
  metrics: Metrics,
  revocationCheckMs = 2000,
  /** CALLPLANE_WS_KEEPALIVE_MS: ping interval and pong deadline of every socket; 0: no pings. */
  keepAliveMs = DEFAULT_WS_KEEPALIVE_MS,
) {
  // the request path's cache of resolved keys (one per app): a thousand sockets of one key cost one look-up
  const keys = actorCache(base);
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const actors = new WeakMap<WebSocket, Actor>();
  const byKey = new Map<string, Set<WebSocket>>();

  // callplane_ws_connections is read from this register, so a socket it keeps by mistake shows there
  metrics.countWsConnections(() => {
    let open = 0;
    for (const sockets of byKey.values()) open += sockets.size;
    return open;
  });

  /** Files an acknowledged socket under its key until it closes. */
  function track(socket: WebSocket, actor: Actor) {
    actors.set(socket, actor);
    const sockets = byKey.get(actor.keyId) ?? new Set();
    sockets.add(socket);
    byKey.set(actor.keyId, sockets);
    socket.once('close', () => {
      sockets.delete(socket);
      if (!sockets.size && byKey.get(actor.keyId) === sockets) byKey.delete(actor.keyId);
    });
  }

  // graphql-ws terminates a socket only when its keep-alive pong is late: counted, with every close by code
  wss.on('connection', (socket) => {
    const terminate = socket.terminate.bind(socket);
    socket.terminate = () => {
      if (socket.readyState === socket.OPEN) metrics.wsKeepAliveTerminations.inc();
      terminate();
    };
    socket.once('close', (code) => metrics.wsClosed.inc({ code: String(code) }));
  });

  const disposable = useServer(
    {
      onConnect: async (ctx) => {
        const { socket } = ctx.extra;
        // Only a string can carry a key: anything else ({"toString": 1}, a number, an array, null)
        // is refused like a wrong key, not stringified (which may throw, or turn [key] into key).
        const authorization = ctx.connectionParams?.authorization;
        const presented = typeof authorization === 'string' ? bearer(authorization) : null;
        const actor = presented ? await keys.authenticate(presented) : null;
        if (!actor) return false; // graphql-ws closes with 4403 Forbidden
        // The client may have left while its key was checked: a closed socket emits no more
        // 'close', so it must never be filed (and counted); closing it again is a no-op.
        if (socket.readyState !== socket.OPEN) return false;
        track(socket, actor);
        batchWrites(socket, ctx.extra.request.socket);
        return true;
      },
      execute: (args: ExecutionArgs) => (args.rootValue as any).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as any).subscribe(args),
      onSubscribe: async (ctx, id, params) => {
        const actor = actors.get(ctx.extra.socket) ?? null;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          actor,
          requestId: randomUUID(),
        });
        // A query that does not parse, or that graphql-armor refuses (tokens, depth, aliases,
        // cost: its rules throw), is this operation's `error` message, as invalid fields are;
        // thrown out of here it would close the socket with 4500 and end its other subscriptions.
        try {
          const document = parse(params.query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
          const args = {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          } satisfies ExecutionArgs;
          // a subscription's events are rendered once for all alike subscriptions and written as frames (RT5)
          if (getOperationAST(document, params.operationName)?.operation === 'subscription')
            attachEventTransport(args.contextValue, frameTransport(ctx.extra.socket, ctx.extra.request.socket, id, params.query, args, actor));
          return args;
        } catch (error) {
          // typed as over HTTP (formatError); anything else is a fault of the server, which
          // graphql-ws logs and answers by closing with 4500
          if (error instanceof GraphQLError || error instanceof DomainError) return [formatError(error)];
          throw error;
        }
      },
    },
    wss,
    keepAliveMs,
  );

  const watcher = setInterval(async () => {
    const ids = [...byKey.keys()];
    if (!ids.length) return;
    try {
      for (const id of await invalidKeyIds(base, ids))
        for (const socket of byKey.get(id) ?? []) socket.close(CLOSE_FORBIDDEN, 'Forbidden: API key revoked or expired');
    } catch {
      // the database may be briefly unreachable; the next tick tries again
    }
  }, revocationCheckMs);
  watcher.unref();

  return {
    wss,
    async close() {
      clearInterval(watcher);
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
