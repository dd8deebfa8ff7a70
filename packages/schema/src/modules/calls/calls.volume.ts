// C2: calls per minute and how many were answered, from the CDRs the key may see (the live calls page's charts).
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { scopedFrom } from '../../access/scope.js';
import { ValidationError } from '../../errors.js';

/** One minute of ended calls: `calls` CDRs whose call ended in it, `answered` of them with an answer time. */
export interface CallVolumeBucket {
  minute: Date;
  calls: number;
  answered: number;
}

export interface CallVolumeFilter {
  since: Date;
  appId?: string | null;
  instanceId?: string | null;
}

/** The charts span an hour; a day at most keeps the answer to 1 440 buckets and one or two monthly partitions. */
export const CALL_VOLUME_MAX_HOURS = 24;
const MINUTE = 60_000;

/**
 * C2: per minute from `since` (rounded down to its minute) to now by the injected clock, every
 * minute present (0 when no call ended in it), oldest first. One grouped query over cdrs through
 * scopedFrom, so the read policy applies (a PARTNER: its app's CDRs).
 */
export async function callVolume(ctx: ServiceContext, f: CallVolumeFilter): Promise<CallVolumeBucket[]> {
  const now = ctx.clock.now();
  const from = new Date(Math.floor(f.since.getTime() / MINUTE) * MINUTE);
  if (from > now) throw new ValidationError('since', 'since is after the current time');
  if (now.getTime() - from.getTime() > CALL_VOLUME_MAX_HOURS * 3_600_000) throw new ValidationError('since', `the call volume spans ${CALL_VOLUME_MAX_HOURS} hours at most`);
  let q = scopedFrom(ctx, 'cdrs')
    .select([
      sql<Date>`date_trunc('minute', cdrs.ended_at)`.as('minute'),
      sql<number>`count(*)::int`.as('calls'),
      sql<number>`(count(*) filter (where cdrs.answered_at is not null))::int`.as('answered'),
    ])
    .where('cdrs.ended_at', '>=', from)
    .where('cdrs.ended_at', '<=', now);
  if (f.appId) q = q.where('cdrs.app_id', '=', f.appId);
  if (f.instanceId) q = q.where('cdrs.instance_id', '=', f.instanceId);
  const rows = await q.groupBy(sql`1`).execute();
  const counted = new Map(rows.map((r) => [new Date(r.minute).getTime(), r]));
  const buckets: CallVolumeBucket[] = [];
  for (let t = from.getTime(); t <= now.getTime(); t += MINUTE) {
    const r = counted.get(t);
    buckets.push({ minute: new Date(t), calls: r?.calls ?? 0, answered: r?.answered ?? 0 });
  }
  return buckets;
}
