import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { Tx } from '../db/transaction.js';

/**
 * Where a job is queued: the caller's transaction (`Tx`, whose `now` is the injected clock's time
 * at its start), or a bare connection (tests, CLI), whose clock is unknown here.
 */
export type JobTarget = Pick<Tx, 'trx' | 'now'> | Kysely<Database> | Transaction<Database>;

export interface JobOptions {
  /** When it is due by the injected clock; default: at once. */
  runAt?: Date;
  jobKey?: string;
  maxAttempts?: number;
}

/**
 * A job carries its due time by the injected clock as a flag, because graphile-worker takes it by
 * the database's own clock (`run_at <= now()`), and the two differ under CALLPLANE_CLOCK=manual or
 * with clock skew. The flag is what advanceClock and the "not yet due" check read.
 */
const DUE_FLAG = 'due:';
export const dueFlag = (due: Date) => `${DUE_FLAG}${due.toISOString()}`;

/** The due time of a job by the injected clock; null for one queued without (cron, older versions). */
export function dueOf(job: { flags: Record<string, unknown> | null }): Date | null {
  const flag = Object.keys(job.flags ?? {}).find((f) => f.startsWith(DUE_FLAG));
  return flag ? new Date(flag.slice(DUE_FLAG.length)) : null;
}

/** The same in SQL, over a row of graphile_worker.jobs named `j`. */
export const dueOfJobSql = sql<Date>`coalesce((select substr(f, ${DUE_FLAG.length + 1})::timestamptz
  from jsonb_object_keys(coalesce(j.flags, '{}'::jsonb)) f where f like ${DUE_FLAG + '%'} limit 1), j.run_at)`;

/**
 * Schedules a durable job (graphile-worker) inside the caller's transaction, so that the job
 * exists exactly when the change that wants it commits. `runAt` is a time of the injected clock.
 * A job due at once is queued for the database's now as well, so a clock ahead of the database's
 * does not hold it back; a job due later is queued for its time, and should a worker take it
 * before the injected clock got there, it puts itself back (runTask).
 */
export async function scheduleJob(on: JobTarget, task: string, payload: Record<string, unknown>, opts: JobOptions = {}): Promise<void> {
  const clockNow = 'now' in on ? on.now : null;
  const due = opts.runAt ?? clockNow;
  const dueAtOnce = !due || (clockNow !== null && due <= clockNow);
  const runAt = dueAtOnce ? sql`least(${due}::timestamptz, now())` : sql`${due}::timestamptz`;
  await addJob('trx' in on ? on.trx : on, task, payload, runAt, due, opts);
}

/**
 * Schedules several jobs of one task, each due at once (the caller's transaction's time), in one
 * statement (graphile-worker's add_jobs): a report of 500 call events for an app with a status URL
 * queues 500 deliveries, and one add_job each was a statement per event.
 */
export async function scheduleJobsNow(on: Pick<Tx, 'trx' | 'now'>, task: string, jobs: readonly { payload: Record<string, unknown>; jobKey: string }[], opts: { maxAttempts: number }): Promise<void> {
  if (!jobs.length) return;
  const specs = JSON.stringify(jobs.map((j) => ({ payload: j.payload, job_key: j.jobKey })));
  await sql`select count(*) from graphile_worker.add_jobs(array(
    select row(${task}::text, (j.spec->'payload')::json, null::text, least(${on.now}::timestamptz, now()), ${opts.maxAttempts}::int, j.spec->>'job_key', null::int, ${[dueFlag(on.now)]}::text[])::graphile_worker.job_spec
    from jsonb_array_elements(${specs}::jsonb) with ordinality as j(spec, n) order by j.n))`.execute(on.trx);
}

/**
 * Queues again a job that a worker took before it was due by the injected clock (`clockNow`): the
 * same key and payload, for the database's time that is as far away as the due time is by the
 * clock, and at least a second, so that a clock that stands still (manual) is not polled in a loop.
 */
export async function requeueNotYetDue(
  db: Kysely<Database>,
  job: { task_identifier: string; key: string | null; max_attempts: number },
  payload: unknown,
  due: Date,
  clockNow: Date,
): Promise<void> {
  const waitMs = Math.max(due.getTime() - clockNow.getTime(), 1000);
  const runAt = sql`now() + make_interval(secs => ${waitMs / 1000})`;
  await addJob(db, job.task_identifier, payload, runAt, due, { jobKey: job.key ?? undefined, maxAttempts: job.max_attempts });
}

async function addJob(db: Kysely<Database> | Transaction<Database>, task: string, payload: unknown, runAt: ReturnType<typeof sql>, due: Date | null | undefined, opts: JobOptions) {
  await sql`select graphile_worker.add_job(
    ${task}, ${JSON.stringify(payload ?? {})}::json,
    run_at => ${runAt},
    job_key => ${opts.jobKey ?? null}::text,
    max_attempts => ${opts.maxAttempts ?? 25}::int,
    flags => ${due ? [dueFlag(due)] : null}::text[])`.execute(db);
}
