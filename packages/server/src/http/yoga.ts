import { randomUUID } from 'node:crypto';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { formatError, schema, unstorableText, type Actor, type GraphQLContext, type ServiceContext } from '@callplane/schema';
import type { Log } from '../logger.js';
import { actorCache } from './actor-cache.js';

export interface ServerContextExtras {
  /** Set by the WebSocket server after it authenticated connectionParams. */
  actor?: Actor | null;
  requestId?: string;
}

export interface YogaDeps {
  base: Omit<ServiceContext, 'actor'>;
  log: Log;
  runDueJobs(): Promise<void>;
  corsOrigins?: string[];
  metricsPlugin?: Parameters<typeof createYoga>[0]['plugins'] extends (infer P)[] | undefined ? P : never;
}

export function bearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1]!.trim() : header.trim();
}

export function createGraphQLServer(deps: YogaDeps): YogaServerInstance<ServerContextExtras, GraphQLContext> {
  const actors = actorCache(deps.base);
  // requests publish through the cache's bus, so that a revocation empties it before it returns
  const base = { ...deps.base, bus: actors.bus };
  return createYoga<ServerContextExtras, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Callplane', subscriptionsProtocol: 'WS' },
    logging: {
      // yoga says a few debug lines per request: build them only when debug is on
      debug: (...a) => deps.log.isLevelEnabled('debug') && deps.log.debug(a.map(String).join(' ')),
      info: (...a) => deps.log.info(a.map(String).join(' ')),
      warn: (...a) => deps.log.warn(a.map(String).join(' ')),
      error: (...a) => logError(deps.log, a),
    },
    // The dashboard is served from this origin; others only when configured (CALLPLANE_CORS_ORIGINS).
    cors: deps.corsOrigins?.length ? { origin: deps.corsOrigins, credentials: true, methods: ['GET', 'POST'] } : false,
    maskedErrors: { maskError: (error) => formatError(error) },
    // the HTTP server reads the body within its own limit before yoga sees it (server.ts)
    maxRequestBodySize: false,
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        costLimit: { maxCost: 20000 },
        maxTokens: { n: 5000 },
        blockFieldSuggestion: { enabled: false },
      }),
      textGuard,
      { onDispose: () => actors.dispose() },
      ...(deps.metricsPlugin ? [deps.metricsPlugin] : []),
    ],
    context: async (initial): Promise<GraphQLContext> => {
      const requestId = initial.requestId ?? initial.request?.headers.get('x-request-id') ?? randomUUID();
      let actor = initial.actor ?? null;
      if (initial.actor === undefined) {
        const presented = bearer(initial.request?.headers.get('authorization'));
        if (presented) {
          actor = await actors.authenticate(presented);
          if (!actor)
            throw new GraphQLError('the API key is unknown, revoked or expired', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
        }
      }
      return { ...base, actor, requestId, runDueJobs: deps.runDueJobs };
    },
  });
}

/** Every operation, over HTTP and WebSockets: text PostgreSQL cannot store is refused before it runs. */
const textGuard: Plugin = {
  onExecute({ args, setResultAndStopExecution }) {
    const refused = unstorableText(args.document, args.variableValues);
    if (refused) setResultAndStopExecution({ errors: [refused] });
  },
  onSubscribe({ args, setResultAndStopExecution }) {
    const refused = unstorableText(args.document, args.variableValues);
    if (refused) setResultAndStopExecution({ errors: [refused] });
  },
};

/**
 * yoga reports every error it formats here. A client's mistake (a typed code) is logged at debug
 * with its code; only real faults, masked as INTERNAL_SERVER_ERROR, are logged at error level.
 */
function logError(log: Log, args: unknown[]) {
  const [first] = args;
  const code = formatError(first).extensions.code;
  if (code !== 'INTERNAL_SERVER_ERROR') log.debug({ code, message: (first as Error)?.message }, 'client error');
  else log.error({ err: (first as GraphQLError)?.originalError ?? first }, 'GraphQL request failed');
}
