// C3 and the call retention (CALLPLANE_CALL_RETENTION_MONTHS): a finished delivery (DELIVERED, or
// DEAD: a dead letter nobody redelivered in all that time) made before the retention start is
// deleted with its attempts (their foreign key cascades), as the CDRs and calls of that time are:
// its body holds the same numbers. A PENDING one is still on its way and stays.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { systemDb } from '../../access/scope.js';
import { TRIM, trimRows } from '../../db/trim.js';
import { retentionStart } from '../calls/calls.partitions.js';

/**
 * The sweep (every minute and on advanceClock): trims the finished deliveries before the
 * retention start (db/trim.ts), found per tenant through deliveries_tenant_idx (tenant, time),
 * so that no sweep reads the whole table. Returns how many it deleted.
 */
export async function trimDeliveries(ctx: ServiceContext, trim = TRIM): Promise<number> {
  const cutoff = retentionStart(ctx.clock.now(), ctx.settings.callRetentionMonths);
  return trimRows(
    systemDb(ctx),
    'deliveries',
    (n) => sql`select d.ctid from tenants t cross join lateral (
      select ctid from deliveries where tenant_id = t.id and created_at < ${cutoff} and status <> 'PENDING' limit ${n}) d limit ${n}`,
    trim,
  );
}
