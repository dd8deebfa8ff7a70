// C3: what an attempt leaves behind: the attempt row, the delivery's new state (DELIVERED, PENDING
// with its next attempt on the fixed schedule, or DEAD), the next attempt's job and DELIVERY_CHANGED.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { scheduleAttempt } from './webhooks.service.js';
import { publishAfterCommit, writeDeliveriesChanged } from './webhooks.events.js';
import type { Outcome } from './webhooks.post.js';
import type { Delivery, DeliveryStatus } from './webhooks.table.js';

/** When each attempt is made, in minutes after the first (C3): 7 attempts in all. */
export const ATTEMPT_OFFSETS_MINUTES = [0, 1, 4, 9, 106, 203, 300] as const;

/** The state after this outcome of the delivery's next attempt, and the attempt's row. */
function nextState(d: Delivery, at: Date, outcome: Outcome) {
  const attempt = d.attempts + 1;
  const first = d.first_attempt_at ?? at;
  const delivered = outcome.error === null;
  const offset = ATTEMPT_OFFSETS_MINUTES[attempt];
  const next = delivered || offset === undefined ? null : new Date(first.getTime() + offset * 60_000);
  const status: DeliveryStatus = delivered ? 'DELIVERED' : next ? 'PENDING' : 'DEAD';
  return {
    id: d.id,
    prev: d.attempts,
    attempts: attempt,
    status,
    first_attempt_at: first,
    next_attempt_at: next,
    status_code: outcome.statusCode,
    latency_ms: outcome.latencyMs,
    error: outcome.error?.slice(0, 500) ?? null,
  };
}

/**
 * Records the outcomes of claimed attempts made at `at`, in one transaction: each delivery that is
 * still the claimed one (PENDING, same attempt count) gets its new state and its attempt row (one
 * statement for the batch), its next job if it failed, and its event; one that changed meanwhile
 * (redelivered, taken by another attempt) is left alone. Returns the deliveries as recorded.
 */
export async function recordAttempts(ctx: ServiceContext, at: Date, outcomes: readonly { d: Delivery; outcome: Outcome }[]): Promise<Delivery[]> {
  if (!outcomes.length) return [];
  const states = outcomes.map(({ d, outcome }) => nextState(d, at, outcome));
  const claimed = new Map(outcomes.map(({ d }) => [d.id, d]));
  const { updated, notices } = await inTransaction(ctx, async (tx) => {
    const { rows } = await sql<{ id: string }>`
      with v as (
        select * from jsonb_to_recordset(${JSON.stringify(states)}::jsonb) as v(id uuid, prev int, attempts int, status text,
          first_attempt_at timestamptz, next_attempt_at timestamptz, status_code int, latency_ms int, error text)),
      updated as (
        update deliveries as d
        set status = v.status, attempts = v.attempts, first_attempt_at = v.first_attempt_at, last_attempt_at = ${at},
            next_attempt_at = v.next_attempt_at, updated_at = ${tx.now}
        from v where d.id = v.id and d.status = 'PENDING' and d.attempts = v.prev
        returning d.id, d.tenant_id, d.app_id),
      attempts as (
        insert into delivery_attempts (delivery_id, tenant_id, app_id, attempt, attempted_at, status_code, latency_ms, error, created_at)
        select u.id, u.tenant_id, u.app_id, v.attempts, ${at}, v.status_code, v.latency_ms, v.error, ${tx.now} from updated u join v using (id))
      select id from updated`.execute(tx.trx);
    // the claimed rows with their new state: what the statement wrote, without reading it back
    const byId = new Map(states.map((st) => [st.id, st]));
    const updated: Delivery[] = rows.map(({ id }) => {
      const st = byId.get(id)!;
      return { ...claimed.get(id)!, status: st.status, attempts: st.attempts, first_attempt_at: st.first_attempt_at, last_attempt_at: at, next_attempt_at: st.next_attempt_at, updated_at: tx.now };
    });
    for (const d of updated) if (d.status === 'PENDING') await scheduleAttempt(tx, d.id, d.next_attempt_at!);
    return { updated, notices: await writeDeliveriesChanged(tx, updated) };
  });
  publishAfterCommit(ctx, notices);
  return updated;
}
