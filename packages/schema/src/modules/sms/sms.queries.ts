// C4, P9: the SMS a key may see (scopedFrom), by app, binding, number and a window of 31 days at most.
import type { ServiceContext } from '../../context.js';
import { scopedFrom, validIds } from '../../access/scope.js';
import { filterNumber, queryWindow, RANGE_DAYS } from '../../shared/query-window.js';

/** P9: an SMS query spans 31 days at most (two monthly partitions). */
export const SMS_RANGE_DAYS = RANGE_DAYS;

export interface SmsFilter {
  appId?: string | null;
  bindingId?: string | null;
  /** The sender, the X, or the party it was relayed to. */
  number?: string | null;
  /** SMS sent at or after; default: 31 days before `to`. */
  from?: Date | null;
  /** SMS sent before; default: now. */
  to?: Date | null;
}

/** C4, P9: the SMS the key may see that were sent within [from, to), a range of 31 days at most. */
export function smsQuery(ctx: ServiceContext, f: SmsFilter = {}) {
  const { from, to } = queryWindow(ctx.clock.now(), f, 'an SMS query');
  let q = scopedFrom(ctx, 'sms_messages').selectAll().where('sms_messages.sent_at', '>=', from).where('sms_messages.sent_at', '<', to);
  for (const [id, column] of [[f.appId, 'sms_messages.app_id'], [f.bindingId, 'sms_messages.binding_id']] as const)
    if (id) q = validIds([id]).length ? q.where(column, '=', id) : q.where((eb) => eb.val(false));
  if (f.number) {
    const n = filterNumber(f.number);
    q = q.where((eb) => eb.or([eb('sms_messages.from_e164', '=', n), eb('sms_messages.to_e164', '=', n), eb('sms_messages.relayed_to_e164', '=', n)]));
  }
  return q;
}
