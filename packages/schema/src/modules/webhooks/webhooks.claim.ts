// C3: taking due deliveries for an attempt, so that two workers (or a job and a sweep) never send
// the same attempt twice, and a process that dies mid-request leaves the delivery to the sweep.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { CONNECTIONS_PER_RECEIVER } from './webhooks.post.js';
import type { Delivery } from './webhooks.table.js';

/** A claimed delivery is held this long past its requests' timeouts before a sweep may take it again. */
const CLAIM_MARGIN_MS = 60_000;
/**
 * Timeouts a claimed batch may take: its requests go in waves of CONNECTIONS_PER_RECEIVER when they
 * all go to one receiver, twice as many when another job of the process sends to it as well.
 */
const timeoutsPerBatch = (limit: number) => 2 * Math.ceil(limit / CONNECTIONS_PER_RECEIVER);

export interface Claimed {
  deliveries: Delivery[];
  /** The attempt's time by the injected clock: the signature's and the attempt row's. */
  at: Date;
}

/**
 * Takes up to `limit` PENDING deliveries due by the injected clock, `own` first (the job's own
 * delivery), the others oldest due first, skipping rows another worker holds. Each is held for the
 * requests (its next attempt moved past the timeouts they may take). The jobs of the others are dropped in the
 * same transaction: their attempt is made here, and a failure queues the next one (record).
 */
export async function claimDue(ctx: ServiceContext, o: { own: string | null; limit: number }): Promise<Claimed> {
  return inTransaction(ctx, async (tx) => {
    const held = new Date(tx.now.getTime() + timeoutsPerBatch(o.limit) * ctx.settings.webhookTimeoutMs + CLAIM_MARGIN_MS);
    // one statement: the own delivery and the oldest due others, locked, held, their jobs dropped
    // (graphile-worker's complete_jobs, which leaves alone a job that a worker runs right now)
    const { rows } = await sql<Delivery>`
      with own as (
        select id from deliveries where id = ${o.own}::uuid and status = 'PENDING' and next_attempt_at <= ${tx.now}
        for update skip locked),
      others as (
        select id from deliveries where status = 'PENDING' and next_attempt_at <= ${tx.now} and id is distinct from ${o.own}::uuid
        order by next_attempt_at limit ${o.own ? o.limit - 1 : o.limit} for update skip locked),
      picked as (select id from own union all select id from others),
      held as (update deliveries set next_attempt_at = ${held} where id in (select id from picked) returning *),
      dropped as (
        select graphile_worker.complete_jobs(array(
          select j.id from graphile_worker.jobs j where j.key in (select 'delivery:' || id from others))) as n)
      select held.* from held, (select count(*) from dropped) as d`.execute(tx.trx);
    return { deliveries: rows, at: tx.now };
  });
}
