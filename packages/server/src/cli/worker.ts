// The worker loads the model without GraphQL (@callplane/schema/core) and composes every module's jobs.
import { composeModules, connect, SYSTEM, SystemClock, type ServiceContext } from '@callplane/schema/core';
import { buildTaskList, startWorker } from '../jobs/worker.js';
import { configureEmail } from '../jobs/email.js';
import { createLogger } from '../logger.js';
import { createRuntimeBus } from '../runtime/bus.js';
import { readConfig } from './session.js';
import { describeMigrations, migrateDatabase, openRuntimeDatabase } from '../runtime/database.js';

/**
 * `pnpm callplane worker`: graphile-worker alone, for servers started with CALLPLANE_WORKER=off or
 * for more job throughput. Jobs are in PostgreSQL, so any number of workers share them. Stops on
 * SIGINT/SIGTERM after the running jobs finish.
 */
export async function runWorker(opts: { concurrency: number }): Promise<void> {
  // Listen first: a signal that arrives while the worker is still starting also stops it cleanly.
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const config = readConfig();
  const log = createLogger(config.logLevel);
  if (config.manualClock) log.warn('CALLPLANE_CLOCK=manual is ignored by the worker: it runs jobs by the real clock');
  const database = await openRuntimeDatabase(config, (line) => log.info(line));
  const db = connect(database.url, { max: opts.concurrency + 2 });
  const bus = createRuntimeBus(config.redisUrl);
  try {
    const applied = await migrateDatabase(database.url);
    log.info(`using ${database.description}; migrations applied: ${describeMigrations(applied)}`);
    const systemContext = (): ServiceContext => ({ db: db.db, clock: new SystemClock(), bus: bus.bus, actor: SYSTEM, settings: config.settings });
    log.info(configureEmail(config.smtpUrl, config.smtpFrom));
    composeModules();
    const taskList = buildTaskList(systemContext);
    const runner = await startWorker(db.pool, taskList, opts.concurrency);
    log.info(`worker running ${Object.keys(taskList).length} task types with concurrency ${opts.concurrency}${config.redisUrl ? '; events go to Redis' : ''}`);
    const reason = await Promise.race([stopSignal, runner.promise.then(() => 'worker ended')]);
    log.info(`${reason}: draining running jobs`);
    await runner.stop().catch(() => {});
    log.info('worker stopped');
  } finally {
    bus.close();
    await db.close();
    await database.stop();
  }
}
