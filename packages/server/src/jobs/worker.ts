import { run, runMigrations, runOnce, type Runner, type TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { allTasks, type ServiceContext } from '@callplane/schema';

/** graphile-worker keeps its tables in its own schema of the same database. */
export const installJobSchema = (pool: pg.Pool) => runMigrations({ pgPool: pool, logger: quietLogger() });

/** Every domain task, each run as the system with a fresh service context. */
export function buildTaskList(systemContext: () => ServiceContext): TaskList {
  const list: TaskList = {};
  for (const [name, handler] of allTasks()) list[name] = async (payload) => handler(payload, systemContext());
  return list;
}

export function startWorker(pool: pg.Pool, taskList: TaskList, concurrency = 2): Promise<Runner> {
  return run({ pgPool: pool, taskList, concurrency, pollInterval: 1000, noHandleSignals: true, logger: quietLogger() });
}

/**
 * Runs every job that is due by the injected clock, including jobs that those jobs schedule,
 * before returning. With a manual clock, jobs due by it are first moved to the real now. Jobs
 * another worker has already taken are waited for; failed jobs keep their retry schedule.
 */
export async function runDueJobs(ctx: ServiceContext, pool: pg.Pool, taskList: TaskList, timeoutMs = 30_000): Promise<void> {
  const names = Object.keys(taskList);
  if (!names.length) return;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const due = await sql<{ id: string; locked: boolean }>`
      select id, locked_at is not null as locked from graphile_worker.jobs
      where run_at <= ${ctx.clock.now()} and attempts = 0 and task_identifier = any(${names})`.execute(ctx.db);
    if (!due.rows.length) return;
    const free = due.rows.filter((r) => !r.locked).map((r) => r.id);
    if (!free.length) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    await sql`select graphile_worker.reschedule_jobs(${free}::bigint[], run_at => now())`.execute(ctx.db);
    await runOnce({ pgPool: pool, taskList, noHandleSignals: true, logger: quietLogger() });
  }
  throw new Error('due jobs did not finish in time');
}

import { Logger } from 'graphile-worker';
function quietLogger() {
  return new Logger(() => (level: string, message: string) => {
    if (level === 'error') console.error(`[jobs] ${message}`);
  });
}
