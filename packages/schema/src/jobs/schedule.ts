import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';

/**
 * Schedules a durable job (graphile-worker) inside the caller's transaction, so that the job
 * exists exactly when the change that wants it commits. `runAt` is read from the injected clock.
 */
export async function scheduleJob(
  trx: Transaction<Database> | Kysely<Database>,
  task: string,
  payload: Record<string, unknown>,
  opts: { runAt?: Date; jobKey?: string; maxAttempts?: number } = {},
): Promise<void> {
  await sql`select graphile_worker.add_job(
    ${task}, ${JSON.stringify(payload)}::json,
    run_at => ${opts.runAt ?? null}::timestamptz,
    job_key => ${opts.jobKey ?? null}::text,
    max_attempts => ${opts.maxAttempts ?? 25}::int)`.execute(trx);
}
