import './runtime/production.js';
import { ManualClock, SystemClock } from '@callplane/schema';
import { createApp, type App } from './app.js';
import { bootstrapKeyNotice, ensureOperatorAccess, operatorKeyNotice } from './bootstrap.js';
import { loadConfig } from './config.js';
import { configureEmail } from './jobs/email.js';
import { demoSeedNotice, seedDemo } from './demo.js';
import { startDemoTraffic, type DemoTraffic } from './simulator/in-server.js';
import { createLogger } from './logger.js';
import { ensureDashboard } from './runtime/dashboard.js';
import { loadEnvFile } from './runtime/env.js';
import { describeMigrations, migrateDatabase, openRuntimeDatabase, type RuntimeDatabase } from './runtime/database.js';

/**
 * `pnpm start`: one process serving GraphQL (GraphiQL) and graphql-ws subscriptions at /graphql
 * and the dashboard at /, on PORT. SIGINT/SIGTERM stop it in order: no new connections, sockets
 * closed, jobs drained, database closed, embedded PostgreSQL stopped, exit 0.
 */
async function main() {
  const config = readConfig();
  const log = createLogger(config.logLevel);
  let database: RuntimeDatabase | null = null;
  let app: App | null = null;
  let traffic: DemoTraffic | null = null;
  let stopping = false;
  let stoppingSince = 0;

  const stop = async (reason: string) => {
    if (stopping) {
      // The same Ctrl-C often arrives twice (from the terminal and relayed by tsx/pnpm): only a
      // later one means "leave now". A PostgreSQL left running is restarted by the next start.
      if (Date.now() - stoppingSince < 1500) return;
      log.warn(`${reason} again: exiting without finishing the shutdown`);
      process.exit(130);
    }
    stopping = true;
    stoppingSince = Date.now();
    log.info(`${reason}: shutting down`);
    const force = setTimeout(() => {
      log.error('shutdown did not finish within 30 s: exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    await startup.catch(() => {});
    try {
      await traffic?.stop(); // its last calls hang up through the server, before it closes
      await app?.stop();
      await database?.stop();
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
    log.info('stopped');
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void stop(sig));

  const startup = (async () => {
    const dashboardDir = await ensureDashboard(log);
    database = await openRuntimeDatabase(config, (line) => log.info(line));
    const applied = await migrateDatabase(database.url);
    log.info(`using ${database.description}; migrations applied: ${describeMigrations(applied)}`);

    const clock = config.manualClock ? new ManualClock() : new SystemClock();
    if (config.manualClock) log.warn('CALLPLANE_CLOCK=manual: time moves only with the advanceClock mutation');
    app = await createApp({
      databaseUrl: database.url,
      redisUrl: config.redisUrl,
      clock,
      settings: config.settings,
      log,
      inlineWorker: config.inlineWorker,
      migrate: false,
      dashboardDir,
      corsOrigins: config.corsOrigins,
      wsKeepAliveMs: config.wsKeepAliveMs,
    });
    if (!config.inlineWorker) log.info('CALLPLANE_WORKER=off: jobs run in `pnpm callplane worker`');
    log.info(configureEmail(config.smtpUrl, config.smtpFrom));

    const access = await ensureOperatorAccess(app.systemContext(), { bootstrapKey: config.bootstrapKey });
    const bootstrapLine = bootstrapKeyNotice(access.bootstrapKey);
    if (bootstrapLine) (access.bootstrapKey === 'created' || access.bootstrapKey === 'present' ? log.info : log.warn).call(log, bootstrapLine);
    const demo = config.demo ? await seedDemo(app.systemContext()) : null;

    const bound = new URL(await app.start(config.port, config.host));
    const baseUrl = `http://localhost:${bound.port}`;
    if (access.generated) process.stdout.write(operatorKeyNotice(access.generated.secret, baseUrl));
    if (demo) process.stdout.write(demoSeedNotice(demo, baseUrl));
    log.info(
      { port: Number(bound.port) },
      `Callplane listening on ${baseUrl}: GraphQL (GraphiQL) and subscriptions at ${baseUrl}/graphql, ` +
        (dashboardDir ? `dashboard at ${baseUrl}/` : 'no dashboard'),
    );
    if (demo && !config.simulator) log.info('CALLPLANE_SIMULATOR=off: no demo traffic');
    else if (demo && config.manualClock) log.info('CALLPLANE_CLOCK=manual: no demo traffic (its calls need a clock that moves)');
    else if (demo && !stopping) traffic = await startDemoTraffic(app.systemContext(), bound.origin, log);
  })();

  try {
    await startup;
  } catch (err) {
    if (stopping) return; // a signal during start-up: stop() reports
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    log.error({ err }, `Callplane did not start: ${(err as Error).message}${inUse ? ` (set PORT to a free port)` : ''}`);
    await (app as App | null)?.stop().catch(() => {});
    await (database as RuntimeDatabase | null)?.stop().catch(() => {});
    process.exit(1);
  }
}

function readConfig() {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (err) {
    process.stderr.write(`callplane: ${(err as Error).message} (see .env.example)\n`);
    process.exit(1);
  }
}

void main();
