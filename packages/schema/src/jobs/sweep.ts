import type { ServiceContext } from '../context.js';

/**
 * Finds the subjects of one kind that are overdue by the injected clock (a reservation past its
 * time, a number past its term or grace) and handles them, returning how many. Each handler
 * locks and re-checks its row, so that a sweep and the subject's own job never act twice.
 */
export type Sweep = (ctx: ServiceContext) => Promise<number>;

const sweeps = new Map<string, Sweep>();

/** Registers the safety net of a due-time job: what its job would do, found by a query instead. */
export function defineSweep(name: string, sweep: Sweep): void {
  sweeps.set(name, sweep);
}

/** Runs every sweep; returns what each handled. */
export async function sweepOverdue(ctx: ServiceContext): Promise<Record<string, number>> {
  const handled: Record<string, number> = {};
  for (const [name, sweep] of sweeps) handled[name] = await sweep(ctx);
  return handled;
}

/**
 * The periodic sweep: a due-time job that was lost anyway (deleted by hand, failed for good,
 * queued by an older version that ran it too early) leaves its subject overdue; this finds it.
 * Workers run it every minute (graphile-worker cron) and advanceClock runs it each time.
 */
export const SWEEP_TASK = 'jobs.sweepOverdue';
/** Its schedule, for graphile-worker's cron: every minute, one job at a time. */
export const SWEEP_CRON = { task: SWEEP_TASK, match: '* * * * *', options: { backfillPeriod: 0, jobKey: 'overdue-sweep', maxAttempts: 3 } };
