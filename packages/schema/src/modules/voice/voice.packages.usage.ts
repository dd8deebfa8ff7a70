// V2, V3: how a tenant's minutes go: minutes used per day (tenant's zone) and the projected run-out.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { scopedFrom, visibleTenants } from '../../access/scope.js';
import { dateInZone, startOfDayInZone } from '../../shared/calendar.js';

export const MAX_USAGE_DAYS = 90;
/** The run-out projection goes at the average rate of this many last days. */
export const RUN_OUT_RATE_DAYS = 7;
const DAY_MS = 86_400_000;
const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export interface UsageDay {
  /** YYYY-MM-DD in the tenant's time zone. */
  day: string;
  minutes: number;
}

/** The key's tenant's zone (an OPERATOR key, which sees every tenant: the default zone). */
async function zoneOf(ctx: ServiceContext): Promise<string> {
  if (!ctx.actor?.tenantId) return DEFAULT_TIME_ZONE;
  const t = await visibleTenants(ctx).select('tenants.time_zone').where('tenants.id', '=', ctx.actor.tenantId).executeTakeFirst();
  return t?.time_zone ?? DEFAULT_TIME_ZONE;
}

/** The calendar day `n` days before `date` (YYYY-MM-DD). */
const daysBefore = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * DAY_MS).toISOString().slice(0, 10);

/**
 * V2: minutes taken from the tenant's packages per day, for the last `days` days (1–90) up to
 * today in the tenant's zone, oldest first, days without use as 0.
 */
export async function packageUsagePerDay(ctx: ServiceContext, days: number): Promise<UsageDay[]> {
  if (!Number.isInteger(days) || days < 1 || days > MAX_USAGE_DAYS) throw new ValidationError('days', `days is 1 to ${MAX_USAGE_DAYS}`);
  const timeZone = await zoneOf(ctx);
  const today = dateInZone(ctx.clock.now(), timeZone);
  const first = daysBefore(today, days - 1);
  const day = sql<string>`to_char(voice_package_usages.created_at at time zone ${timeZone}, 'YYYY-MM-DD')`;
  const rows = await scopedFrom(ctx, 'voice_package_usages')
    .select([day.as('day'), (eb) => eb.fn.sum<string>('voice_package_usages.minutes').as('minutes')])
    .where('voice_package_usages.created_at', '>=', startOfDayInZone(first, timeZone))
    .groupBy(sql`1`)
    .execute();
  const used = new Map(rows.map((r) => [r.day, Number(r.minutes)]));
  return Array.from({ length: days }, (_, i) => {
    const d = daysBefore(today, days - 1 - i);
    return { day: d, minutes: used.get(d) ?? 0 };
  });
}

export interface RunOut {
  /** The projected day the minutes run out (tenant's zone); null when none were used lately, or none are left. */
  date: string | null;
  remainingMinutes: number;
  /** Average minutes a day over the last 7 days. */
  minutesPerDay: number;
}

/**
 * V2: when the minutes run out at the average rate of the last 7 days: packages are used in the
 * order they expire (V3), each until it is empty or expires, whichever comes first.
 */
export async function packageRunOut(ctx: ServiceContext): Promise<RunOut> {
  const now = ctx.clock.now();
  const timeZone = await zoneOf(ctx);
  const packages = await scopedFrom(ctx, 'voice_packages')
    .select(['voice_packages.remaining_minutes', 'voice_packages.expires_at'])
    .where('voice_packages.expires_at', '>', now)
    .where('voice_packages.remaining_minutes', '>', 0)
    .orderBy('voice_packages.expires_at')
    .execute();
  const recent = await scopedFrom(ctx, 'voice_package_usages')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('voice_package_usages.minutes'), sql<string>`0`).as('minutes'))
    .where('voice_package_usages.created_at', '>', new Date(now.getTime() - RUN_OUT_RATE_DAYS * DAY_MS))
    .executeTakeFirstOrThrow();
  const perDay = Number(recent.minutes) / RUN_OUT_RATE_DAYS;
  const remainingMinutes = packages.reduce((s, p) => s + p.remaining_minutes, 0);
  if (perDay <= 0 || !packages.length) return { date: null, remainingMinutes, minutesPerDay: perDay };
  let at = now.getTime();
  for (const p of packages) {
    const expires = p.expires_at.getTime();
    if (at >= expires) continue;
    at = Math.min(at + (p.remaining_minutes / perDay) * DAY_MS, expires);
  }
  return { date: dateInZone(new Date(at), timeZone), remainingMinutes, minutesPerDay: perDay };
}
