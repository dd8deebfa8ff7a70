import { Logger, parseCronItems, run, runMigrations, runOnce, type Runner, type TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { allTasks, dueOfJobSql, DomainError, runTask, sweepOverdue, SWEEP_CRON, type ServiceContext } from '@callplane/schema/core';
import { poolLiveness, unlockDeadPools } from './liveness.js';

/** graphile-worker keeps its tables in its own schema of the same database. */
export const installJobSchema = (pool: pg.Pool) => runMigrations({ pgPool: pool, logger: quietLogger() });

/** Every domain task, each run as the system with a fresh service context, when due by its clock. */
export function buildTaskList(systemContext: () => ServiceContext): TaskList {
  const list: TaskList = {};
  for (const name of allTasks().keys()) list[name] = async (payload, helpers) => void (await runTask(helpers.job, payload, systemContext()));
  return list;
}

/** How often a running worker looks for jobs that a dead process left locked. */
const DEAD_POOL_CHECK_MS = 60_000;

/**
 * The worker, with the periodic sweep for overdue subjects whose job was lost (jobs/sweep.ts). It
 * first unlocks the jobs of processes that died (kill -9, a crash) instead of letting them wait
 * graphile-worker's 4 hours, then does so every minute while it runs (jobs/liveness.ts).
 */
export async function startWorker(pool: pg.Pool, taskList: TaskList, concurrency = 2): Promise<Runner> {
  const liveness = poolLiveness(pool);
  const runner = await run({ pgPool: pool, taskList, concurrency, pollInterval: 1000, noHandleSignals: true, logger: quietLogger(), parsedCronItems: parseCronItems([SWEEP_CRON]), preset: liveness.preset });
  // after run(), which installs graphile-worker's schema when missing; this process's own pools take
  // no job before they hold their lock, so they are never taken for dead here
  const unlock = () => unlockDeadPools(pool).catch((err) => console.error(`[jobs] unlocking the jobs of dead workers failed: ${err}`));
  await unlock();
  const check = setInterval(() => void unlock(), DEAD_POOL_CHECK_MS);
  check.unref();
  const ended = runner.promise.then(
    () => {},
    () => {},
  );
  void ended.finally(() => clearInterval(check));
  return {
    ...runner,
    async stop(reason) {
      clearInterval(check);
      try {
        await runner.stop(reason);
      } finally {
        await ended;
        await liveness.released();
      }
    },
  };
}

interface DueJob {
  id: string;
  task_identifier: string;
  key: string | null;
  locked_by: string | null;
  locked_at: Date | null;
}

/**
 * advanceClock's second half: runs the sweep, then every job that is due by the injected clock,
 * including jobs that those jobs schedule, and returns when none is left: jobs not yet taken are
 * moved to the database's now and run here; jobs another worker has taken are waited for, unless
 * that worker's process is gone: then they are unlocked and run here; failed jobs keep their retry
 * schedule. After `timeoutMs` it answers JOBS_STILL_RUNNING naming them.
 */
export async function runDueJobs(ctx: ServiceContext, pool: pg.Pool, taskList: TaskList, timeoutMs: number): Promise<void> {
  const names = Object.keys(taskList);
  if (!names.length) return;
  const deadline = Date.now() + timeoutMs;
  await sweepOverdue(ctx);
  let running: Promise<void> | null = null;
  let failure: unknown = null;
  /** Jobs a dead process had taken, unlocked here: due again although their attempt was counted. */
  const revived: string[] = [];
  for (;;) {
    if (failure) throw failure;
    let due = await dueJobs(ctx, names, revived);
    if (!due.length) return;
    const owners = [...new Set(due.flatMap((j) => (j.locked_by ? [j.locked_by] : [])))];
    const unlocked = owners.length ? await unlockDeadPools(pool, owners) : [];
    if (unlocked.length) {
      revived.push(...unlocked);
      due = due.map((j) => (unlocked.includes(j.id) ? { ...j, locked_by: null, locked_at: null } : j));
    }
    if (Date.now() > deadline) throw jobsStillRunning(due, timeoutMs);
    const free = due.filter((j) => !j.locked_at).map((j) => j.id);
    if (free.length) await sql`select graphile_worker.reschedule_jobs(${free}::bigint[], run_at => now())`.execute(ctx.db);
    if (free.length && !running) {
      const liveness = poolLiveness(pool);
      running = runOnce({ pgPool: pool, taskList, noHandleSignals: true, logger: quietLogger(), preset: liveness.preset })
        .catch((err) => void (failure = err))
        .finally(() => liveness.released())
        .finally(() => (running = null));
    }
    await Promise.race([running, new Promise((r) => setTimeout(r, 25))]);
  }
}

/**
 * Due by the injected clock, and either waiting for a first run, running somewhere now, or taken
 * back from a dead process here (`revived`) and not failed since.
 */
async function dueJobs(ctx: ServiceContext, names: string[], revived: readonly string[]): Promise<DueJob[]> {
  const rows = await sql<DueJob>`
    select j.id, j.task_identifier, j.key, j.locked_by, j.locked_at from graphile_worker.jobs j
    where j.task_identifier = any(${names}) and ${dueOfJobSql} <= ${ctx.clock.now()}
      and (j.locked_at is not null or (j.attempts < j.max_attempts
        and (j.attempts = 0 or (j.id = any(${revived}::bigint[]) and j.run_at <= now()))))
    order by j.id`.execute(ctx.db);
  return rows.rows;
}

function jobsStillRunning(due: DueJob[], timeoutMs: number): DomainError {
  const list = due
    .slice(0, 10)
    .map((j) => `${j.task_identifier}${j.key ? ` (${j.key})` : ''} ${j.locked_at ? `running on ${j.locked_by} since ${j.locked_at.toISOString()}` : 'waiting for a worker'}`)
    .join('; ');
  const more = due.length > 10 ? ` and ${due.length - 10} more` : '';
  return new DomainError('JOBS_STILL_RUNNING', `the clock moved, but after ${timeoutMs / 1000} s these due jobs had not finished: ${list}${more}`);
}

function quietLogger() {
  return new Logger(() => (level: string, message: string) => {
    if (level === 'error') console.error(`[jobs] ${message}`);
  });
}
