import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Runner } from 'graphile-worker';
import {
  attachManualClock,
  composeModules,
  connect,
  createEventBus,
  defaultSettings,
  ManualClock,
  SystemClock,
  SYSTEM,
  type Clock,
  type EventBus,
  type ServiceContext,
  type Settings,
} from '@callplane/schema';
import { migrateAll } from './database/migrate.js';
import { createHttpServer } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { attachWebSocket } from './http/websocket.js';
import { createGraphQLServer } from './http/yoga.js';
import { buildTaskList, runDueJobs, startWorker } from './jobs/worker.js';
import { createLogger, type Log } from './logger.js';
import { routes as moduleRoutes } from './routes/index.js';
import { watchVisibilityLag, type VisibilityLagOptions } from './runtime/visibility-lag.js';

export interface AppOptions {
  databaseUrl: string;
  redisUrl?: string;
  clock?: Clock;
  settings?: Settings;
  logLevel?: string;
  log?: Log;
  /** Run graphile-worker inside this process (default true). */
  inlineWorker?: boolean;
  /** Run migrations at start (default true). */
  migrate?: boolean;
  dashboardDir?: string | null;
  revocationCheckMs?: number;
  /** WebSocket keep-alive: ping interval and pong deadline in ms, 0 for none (CALLPLANE_WS_KEEPALIVE_MS; default 12 000). */
  wsKeepAliveMs?: number;
  /** Origins other than the server's own that browsers may call the API from (CORS); default none. */
  corsOrigins?: string[];
  /** How the hold on event delivery by long transactions is watched (RT1). */
  visibilityLag?: VisibilityLagOptions;
}

export const defaultDashboardDir = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

export type App = Awaited<ReturnType<typeof createApp>>;

/** The whole runtime on one database: GraphQL over HTTP and WebSocket, jobs, bus, dashboard. */
export async function createApp(opts: AppOptions) {
  composeModules();
  const log = opts.log ?? createLogger(opts.logLevel ?? 'info');
  const database = connect(opts.databaseUrl);
  if (opts.migrate !== false) await migrateAll(database.db, database.pool);

  const metrics = createMetrics();
  const redis = opts.redisUrl
    ? { pub: new Redis(opts.redisUrl, { lazyConnect: false }), sub: new Redis(opts.redisUrl, { lazyConnect: false }) }
    : null;
  // Subscribing while a client still connects makes ioredis's ready check (INFO) fail on a
  // connection already in subscriber mode: listen only once both clients are ready.
  if (redis) await Promise.all([redis.pub, redis.sub].map(untilReady));
  const rawBus = createEventBus(redis ? createRedisEventTarget({ publishClient: redis.pub, subscribeClient: redis.sub }) : undefined);
  const bus: EventBus = {
    listen: rawBus.listen,
    notify(notices) {
      for (const n of notices) metrics.eventsPublished.inc({ type: n.type }, n.count ?? 1);
      rawBus.notify(notices);
    },
  };

  const base: Omit<ServiceContext, 'actor'> = {
    db: database.db,
    clock: opts.clock ?? new SystemClock(),
    bus,
    settings: opts.settings ?? defaultSettings,
  };
  // a manual clock resumes where it stopped, before any job reads it
  if (base.clock instanceof ManualClock) await attachManualClock(database.db, base.clock);
  const systemContext = (): ServiceContext => ({ ...base, actor: SYSTEM });
  const taskList = buildTaskList(systemContext);
  const runDue = () => runDueJobs(systemContext(), database.pool, taskList, base.settings.advanceClockTimeoutMs);
  const runner: Runner | null = opts.inlineWorker === false ? null : await startWorker(database.pool, taskList);

  const yoga = createGraphQLServer({ base, log, corsOrigins: opts.corsOrigins ?? [], runDueJobs: runDue });
  const server = createHttpServer({
    yoga,
    base,
    metrics,
    log,
    routes: moduleRoutes,
    dashboardDir: opts.dashboardDir === null ? undefined : (opts.dashboardDir ?? defaultDashboardDir),
  });
  const ws = attachWebSocket(server, yoga, base, metrics, opts.revocationCheckMs, opts.wsKeepAliveMs);
  const lag = watchVisibilityLag(database.db, log, metrics, opts.visibilityLag);

  let stopped = false;
  return {
    yoga,
    server,
    base,
    db: database.db,
    pool: database.pool,
    log,
    systemContext,
    runDueJobs: runDue,
    async start(port = 0, host = '127.0.0.1'): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
    },
    /** Stops accepting, closes sockets, drains jobs, closes the database. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      lag.stop();
      const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      await ws.close();
      server.closeAllConnections();
      await closed;
      await runner?.stop();
      await yoga.dispose();
      if (redis) {
        redis.pub.disconnect();
        redis.sub.disconnect();
      }
      await database.close();
    },
  };
}

function untilReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis (REDIS_URL) was not ready within 10 s')), 10_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
