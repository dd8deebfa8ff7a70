// C3: the webhook health the overview shows: deliveries still being retried, dead letters.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom, validIds } from '../../access/scope.js';

export interface WebhookHealth {
  /** Not delivered yet, an attempt due. */
  pending: number;
  /** Of the pending ones, those whose last attempt failed (being retried). */
  failing: number;
  /** Seven attempts failed: waiting for a redelivery by hand. */
  dead: number;
  delivered: number;
  /** The last attempt of a failing delivery, or null when none is failing. */
  lastFailureAt: Date | null;
}

/** C3: the deliveries the key may see (a PARTNER key: its app's), counted by state in one query; by app. */
export async function webhookHealth(ctx: ServiceContext, f: { appId?: string | null } = {}): Promise<WebhookHealth> {
  let q = scopedFrom(ctx, 'deliveries').select([
    sql<number>`(count(*) filter (where deliveries.status = 'PENDING'))::int`.as('pending'),
    sql<number>`(count(*) filter (where deliveries.status = 'PENDING' and deliveries.attempts > 0))::int`.as('failing'),
    sql<number>`(count(*) filter (where deliveries.status = 'DEAD'))::int`.as('dead'),
    sql<number>`(count(*) filter (where deliveries.status = 'DELIVERED'))::int`.as('delivered'),
    sql<Date | null>`max(deliveries.last_attempt_at) filter (where deliveries.status = 'PENDING' and deliveries.attempts > 0)`.as('last_failure_at'),
  ]);
  if (f.appId) q = validIds([f.appId]).length ? q.where('deliveries.app_id', '=', f.appId) : q.where((eb) => eb.val(false));
  const r = await q.executeTakeFirstOrThrow();
  return { pending: r.pending, failing: r.failing, dead: r.dead, delivered: r.delivered, lastFailureAt: r.last_failure_at ? new Date(r.last_failure_at) : null };
}
