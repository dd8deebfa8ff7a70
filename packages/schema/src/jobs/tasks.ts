import type { ServiceContext } from '../context.js';
import { systemDb } from '../access/scope.js';
import { dueOf, requeueNotYetDue } from './schedule.js';

/** A durable job's work: a domain service call, run as the system (no actor). */
export type TaskHandler = (payload: any, ctx: ServiceContext) => Promise<void>;

const registry = new Map<string, TaskHandler>();

export function defineTask(name: string, handler: TaskHandler): string {
  registry.set(name, handler);
  return name;
}

export function allTasks(): ReadonlyMap<string, TaskHandler> {
  return registry;
}

/** What a worker knows of the job it took (graphile-worker's `helpers.job`). */
export interface TakenJob {
  task_identifier: string;
  key: string | null;
  max_attempts: number;
  flags: Record<string, unknown> | null;
}

/**
 * Runs a job a worker took, if it is due by the injected clock. The worker takes jobs by the
 * database's clock; one taken early (a manual clock behind real time, or clock skew) is queued
 * again for its due time instead of running now, so that a due-time job is never lost. A job
 * without a due time (cron) is due when the database says so.
 */
export async function runTask(job: TakenJob, payload: unknown, ctx: ServiceContext): Promise<'ran' | 'not yet due'> {
  const handler = registry.get(job.task_identifier);
  if (!handler) throw new Error(`no task ${job.task_identifier}`);
  const due = dueOf(job);
  const now = ctx.clock.now();
  if (due && due > now) {
    await requeueNotYetDue(systemDb(ctx), job, payload, due, now);
    return 'not yet due';
  }
  await handler(payload, ctx);
  return 'ran';
}
