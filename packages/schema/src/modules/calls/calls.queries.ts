// C1, C2, P9: live calls and CDRs as the key may see them (scopedFrom), by app, instance, number, binding and time.
import type { ServiceContext } from '../../context.js';
import { scopedFrom } from '../../access/scope.js';
import { filterNumber, queryWindow, RANGE_DAYS } from '../../shared/query-window.js';

/** P9: a CDR query spans 31 days at most (two monthly partitions). */
export const CDR_RANGE_DAYS = RANGE_DAYS;

export interface LiveCallFilter {
  appId?: string | null;
  instanceId?: string | null;
}

/** C1: the calls in progress (ringing, queued, talking) the key may see. */
export function liveCallsQuery(ctx: ServiceContext, f: LiveCallFilter = {}) {
  let q = scopedFrom(ctx, 'calls').selectAll().where('calls.ended_at', 'is', null);
  if (f.appId) q = q.where('calls.app_id', '=', f.appId);
  if (f.instanceId) q = q.where('calls.instance_id', '=', f.instanceId);
  return q;
}

export interface CdrFilter extends LiveCallFilter {
  /** Calls that ended at or after; default: 31 days before `to`. */
  from?: Date | null;
  /** Calls that ended before; default: now. */
  to?: Date | null;
  /** Caller, called, callee or X. */
  number?: string | null;
  bindingId?: string | null;
}

/** C2, P9: the CDRs the key may see of calls that ended within [from, to), a range of 31 days at most. */
export function cdrsQuery(ctx: ServiceContext, f: CdrFilter = {}) {
  const { from, to } = queryWindow(ctx.clock.now(), f, 'a CDR query');
  let q = scopedFrom(ctx, 'cdrs').selectAll().where('cdrs.ended_at', '>=', from).where('cdrs.ended_at', '<', to);
  if (f.appId) q = q.where('cdrs.app_id', '=', f.appId);
  if (f.instanceId) q = q.where('cdrs.instance_id', '=', f.instanceId);
  if (f.bindingId) q = q.where('cdrs.binding_id', '=', f.bindingId);
  if (f.number) {
    const n = filterNumber(f.number);
    q = q.where((eb) => eb.or([eb('cdrs.caller_e164', '=', n), eb('cdrs.called_e164', '=', n), eb('cdrs.callee_e164', '=', n), eb('cdrs.x_e164', '=', n)]));
  }
  return q;
}
