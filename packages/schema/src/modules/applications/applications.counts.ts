// N3: how many applications are at each status: the overview's application pipeline.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom } from '../../access/scope.js';
import { APPLICATION_STATUSES, type ApplicationStatus } from './applications.table.js';

export interface ApplicationStatusCount {
  status: ApplicationStatus;
  count: number;
}

/**
 * N3: the applications the key may see, counted per status: every status present (0 when none),
 * in the pipeline's order. One grouped query through scopedFrom (a PARTNER key sees none).
 */
export async function applicationCounts(ctx: ServiceContext): Promise<ApplicationStatusCount[]> {
  const rows = await scopedFrom(ctx, 'number_applications')
    .select(['number_applications.status', sql<number>`count(*)::int`.as('count')])
    .groupBy('number_applications.status')
    .execute();
  const counted = new Map(rows.map((r) => [r.status, r.count]));
  return APPLICATION_STATUSES.map((status) => ({ status, count: counted.get(status) ?? 0 }));
}
