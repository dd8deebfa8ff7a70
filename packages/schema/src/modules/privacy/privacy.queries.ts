// P9: bindings as connections, by id, by numbers, by X, within the last 31 days.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { findScoped } from '../../access/scope.js';
import { scopedFrom } from '../../access/scope.js';
import { parseNumber } from '../numbers/numbers.phone.js';
import { invalid } from './privacy.codes.js';
import { activeAt } from './privacy.usage.js';
import type { Binding } from './privacy.table.js';

/** P9: bindings are queryable while active and for 31 days after they ended. */
export const BINDING_HISTORY_DAYS = 31;

export interface BindingFilter {
  appId?: string | null;
  /** Any party or X. */
  number?: string | null;
  x?: string | null;
  activeOnly?: boolean | null;
  /** Only bindings that ended (unbound or expired) at or after this time, and by now. */
  endedSince?: Date | null;
}

const e164 = (raw: string, field: string) => {
  const p = parseNumber(raw.slice(0, 64));
  if (!p.ok) throw invalid(field, p.message);
  return p.e164;
};

/** The bindings the key may see, active now or ended within the last 31 days (P9). */
export function bindingsQuery(ctx: ServiceContext, f: BindingFilter = {}) {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - BINDING_HISTORY_DAYS * 86_400_000);
  let q = scopedFrom(ctx, 'privacy_bindings')
    .selectAll()
    .where(sql<boolean>`coalesce(least(privacy_bindings.ended_at, privacy_bindings.expires_at), privacy_bindings.ended_at, privacy_bindings.expires_at, 'infinity') >= ${since}`);
  if (f.appId) q = q.where('privacy_bindings.app_id', '=', f.appId);
  if (f.x) q = q.where('privacy_bindings.x_e164', '=', e164(f.x, 'x'));
  if (f.number) {
    const n = e164(f.number, 'number');
    q = q.where((eb) => eb.or([eb('privacy_bindings.a_e164', '=', n), eb('privacy_bindings.b_e164', '=', n), eb('privacy_bindings.x_e164', '=', n)]));
  }
  if (f.activeOnly) q = q.where(activeAt(now));
  if (f.endedSince) {
    const end = sql<Date>`coalesce(least(privacy_bindings.ended_at, privacy_bindings.expires_at), privacy_bindings.ended_at, privacy_bindings.expires_at)`;
    q = q.where(sql<boolean>`${end} >= ${f.endedSince} and ${end} <= ${now}`);
  }
  return q;
}

export async function findBinding(ctx: ServiceContext, id: string): Promise<Binding | null> {
  return (await findScoped(ctx, 'privacy_bindings', id)) ?? null;
}

/** Whether a binding routes at `now`: not ended, and not past its expiry (P5: at the exact second). */
export const isBindingActive = (b: Pick<Binding, 'ended_at' | 'expires_at'>, now: Date) => !b.ended_at && (!b.expires_at || b.expires_at > now);
