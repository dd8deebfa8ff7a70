// C3: what an attempt leaves behind: the attempt row, the delivery's new state (DELIVERED, PENDING
// with its next attempt on the fixed schedule, or DEAD), the next attempt's job and DELIVERY_CHANGED.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { scheduleAttempt } from './webhooks.service.js';
import { publishAfterCommit, writeDeliveriesChanged } from './webhooks.events.js';
import type { Outcome } from './webhooks.post.js';
import type { Delivery } from './webhooks.table.js';

/** When each attempt is made, in minutes after the first (C3): 7 attempts in all. */
export const ATTEMPT_OFFSETS_MINUTES = [0, 1, 4, 9, 106, 203, 300] as const;

/** The state after this outcome of the delivery's next attempt. */
function nextState(d: Delivery, at: Date, outcome: Outcome) {
  const attempt = d.attempts + 1;
  const first = d.first_attempt_at ?? at;
  const delivered = outcome.error === null;
  const offset = ATTEMPT_OFFSETS_MINUTES[attempt];
  const next = delivered || offset === undefined ? null : new Date(first.getTime() + offset * 60_000);
  return { id: d.id, prev: d.attempts, attempts: attempt, status: delivered ? 'DELIVERED' : next ? 'PENDING' : 'DEAD', first_attempt_at: first, next_attempt_at: next };
}

/**
 * Records the outcomes of claimed attempts made at `at`, in one transaction: each delivery that is
 * still the claimed one (PENDING, same attempt count) gets its new state, its attempt row, its next
 * job if it failed, and its event; one that changed meanwhile (redelivered, taken by another
 * attempt) is left alone. Returns the deliveries as recorded.
 */
export async function recordAttempts(ctx: ServiceContext, at: Date, outcomes: readonly { d: Delivery; outcome: Outcome }[]): Promise<Delivery[]> {
  if (!outcomes.length) return [];
  const states = outcomes.map(({ d, outcome }) => nextState(d, at, outcome));
  const { updated, notices } = await inTransaction(ctx, async (tx) => {
    const { rows: updated } = await sql<Delivery>`
      update deliveries as d
      set status = v.status, attempts = v.attempts, first_attempt_at = v.first_attempt_at, last_attempt_at = ${at},
          next_attempt_at = v.next_attempt_at, updated_at = ${tx.now}
      from jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
        as v(id uuid, prev int, attempts int, status text, first_attempt_at timestamptz, next_attempt_at timestamptz)
      where d.id = v.id and d.status = 'PENDING' and d.attempts = v.prev
      returning d.*`.execute(tx.trx);
    if (!updated.length) return { updated, notices: [] };
    const byId = new Map(outcomes.map((o) => [o.d.id, o]));
    await tx.trx
      .insertInto('delivery_attempts')
      .values(
        updated.map((d) => {
          const { outcome } = byId.get(d.id)!;
          return {
            delivery_id: d.id,
            tenant_id: d.tenant_id,
            app_id: d.app_id,
            attempt: d.attempts,
            attempted_at: at,
            status_code: outcome.statusCode,
            latency_ms: outcome.latencyMs,
            error: outcome.error?.slice(0, 500) ?? null,
            created_at: tx.now,
          };
        }),
      )
      .execute();
    for (const d of updated) if (d.status === 'PENDING') await scheduleAttempt(tx, d.id, d.next_attempt_at!);
    return { updated, notices: await writeDeliveriesChanged(tx, updated) };
  });
  publishAfterCommit(ctx, notices);
  return updated;
}
