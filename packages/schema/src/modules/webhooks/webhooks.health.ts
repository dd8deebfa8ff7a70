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

/**
 * C3: the deliveries the key may see (a PARTNER key: its app's), counted by state; by app. The
 * open ones (PENDING, DEAD) are counted from their own index (migration 0027), the DELIVERED ones
 * from their counters (migration 0028): neither read grows with the deliveries delivered.
 */
export async function webhookHealth(ctx: ServiceContext, f: { appId?: string | null } = {}): Promise<WebhookHealth> {
  const app = f.appId ? (validIds([f.appId]).length ? f.appId : null) : undefined;
  let open = scopedFrom(ctx, 'deliveries')
    .select([
      sql<number>`(count(*) filter (where deliveries.status = 'PENDING'))::int`.as('pending'),
      sql<number>`(count(*) filter (where deliveries.status = 'PENDING' and deliveries.attempts > 0))::int`.as('failing'),
      sql<number>`(count(*) filter (where deliveries.status = 'DEAD'))::int`.as('dead'),
      sql<Date | null>`max(deliveries.last_attempt_at) filter (where deliveries.status = 'PENDING' and deliveries.attempts > 0)`.as('last_failure_at'),
    ])
    .where('deliveries.status', '<>', 'DELIVERED');
  let delivered = scopedFrom(ctx, 'delivery_counts').select(sql<string>`coalesce(sum(delivery_counts.delivered), 0)::text`.as('n'));
  if (app !== undefined) {
    open = app ? open.where('deliveries.app_id', '=', app) : open.where((eb) => eb.val(false));
    delivered = app ? delivered.where('delivery_counts.app_id', '=', app) : delivered.where((eb) => eb.val(false));
  }
  const [r, d] = await Promise.all([open.executeTakeFirstOrThrow(), delivered.executeTakeFirstOrThrow()]);
  return { pending: r.pending, failing: r.failing, dead: r.dead, delivered: Number(d.n), lastFailureAt: r.last_failure_at ? new Date(r.last_failure_at) : null };
}
