import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import { authenticate, invalidKeyIds, type Actor, type ServiceContext } from '@callplane/schema';
import type { createGraphQLServer } from './yoga.js';
import { bearer } from './yoga.js';
import type { Metrics } from './metrics.js';

export const CLOSE_FORBIDDEN = 4403;

type Yoga = ReturnType<typeof createGraphQLServer>;

/**
 * GraphQL subscriptions over graphql-ws on the same port and path as HTTP. The key comes in
 * connectionParams.authorization; a bad or missing key closes with 4403, and a watcher closes
 * the sockets of keys revoked or expired since (within `revocationCheckMs`).
 */
export function attachWebSocket(
  server: Server,
  yoga: Yoga,
  base: Pick<ServiceContext, 'db' | 'clock'>,
  metrics: Metrics,
  revocationCheckMs = 2000,
) {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const actors = new WeakMap<WebSocket, Actor>();
  const byKey = new Map<string, Set<WebSocket>>();

  const disposable = useServer(
    {
      onConnect: async (ctx) => {
        const presented = bearer(String(ctx.connectionParams?.authorization ?? ''));
        const actor = presented ? await authenticate(base, presented) : null;
        if (!actor) return false; // graphql-ws closes with 4403 Forbidden
        actors.set(ctx.extra.socket, actor);
        const set = byKey.get(actor.keyId) ?? new Set();
        set.add(ctx.extra.socket);
        byKey.set(actor.keyId, set);
        metrics.wsConnections.inc();
        ctx.extra.socket.once('close', () => {
          metrics.wsConnections.dec();
          set.delete(ctx.extra.socket);
          if (!set.size) byKey.delete(actor.keyId);
        });
        return true;
      },
      execute: (args: ExecutionArgs) => (args.rootValue as any).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as any).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          actor: actors.get(ctx.extra.socket) ?? null,
          requestId: randomUUID(),
        });
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
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
