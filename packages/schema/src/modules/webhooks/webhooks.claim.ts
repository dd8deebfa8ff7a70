// C3: taking due deliveries for an attempt, so that two workers (or a job and a sweep) never send
// the same attempt twice, and a process that dies mid-request leaves the delivery to the sweep.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import type { Delivery } from './webhooks.table.js';

/** A claimed delivery is held this long past the request's timeout before a sweep may take it again. */
const CLAIM_MARGIN_MS = 60_000;

export interface Claimed {
  deliveries: Delivery[];
  /** The attempt's time by the injected clock: the signature's and the attempt row's. */
  at: Date;
}

/**
 * Takes up to `limit` PENDING deliveries due by the injected clock, `own` first (the job's own
 * delivery), the others oldest due first, skipping rows another worker holds. Each is held for the
 * request (its next attempt moved past the timeout). The jobs of the others are dropped in the
 * same transaction: their attempt is made here, and a failure queues the next one (record).
 */
export async function claimDue(ctx: ServiceContext, o: { own: string | null; limit: number }): Promise<Claimed> {
  return inTransaction(ctx, async (tx) => {
    const due = () => tx.trx.selectFrom('deliveries').select('id').where('status', '=', 'PENDING').where('next_attempt_at', '<=', tx.now);
    const ids = o.own ? (await due().where('id', '=', o.own).forUpdate().skipLocked().execute()).map((r) => r.id) : [];
    if (ids.length < o.limit) {
      let others = due().orderBy('next_attempt_at').limit(o.limit - ids.length);
      if (o.own) others = others.where('id', '<>', o.own);
      ids.push(...(await others.forUpdate().skipLocked().execute()).map((r) => r.id));
    }
    if (!ids.length) return { deliveries: [], at: tx.now };
    const held = new Date(tx.now.getTime() + ctx.settings.webhookTimeoutMs + CLAIM_MARGIN_MS);
    const deliveries = await tx.trx.updateTable('deliveries').set({ next_attempt_at: held }).where('id', 'in', ids).returningAll().execute();
    const jobKeys = ids.filter((id) => id !== o.own).map((id) => `delivery:${id}`);
    // graphile-worker's complete_jobs: one statement, and it leaves a job that a worker runs right now alone
    if (jobKeys.length) await sql`select graphile_worker.complete_jobs(array(select id from graphile_worker.jobs where key = any(${jobKeys}::text[])))`.execute(tx.trx);
    return { deliveries, at: tx.now };
  });
}
