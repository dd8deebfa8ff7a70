// C4, P9: the SMS a key may see (scopedFrom), by app, binding, number and a window of 31 days at most.
import type { ServiceContext } from '../../context.js';
import { scopedFrom, validIds } from '../../access/scope.js';
import { ValidationError } from '../../errors.js';
import { parseNumber } from '../numbers/numbers.phone.js';

/** P9: an SMS query spans 31 days at most (two monthly partitions). */
export const SMS_RANGE_DAYS = 31;
const DAY = 86_400_000;

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
  const to = f.to ?? ctx.clock.now();
  const from = f.from ?? new Date(to.getTime() - SMS_RANGE_DAYS * DAY);
  if (from >= to) throw new ValidationError('from', 'from is before to');
  if (to.getTime() - from.getTime() > SMS_RANGE_DAYS * DAY) throw new ValidationError('to', `an SMS query spans ${SMS_RANGE_DAYS} days at most`);
  let q = scopedFrom(ctx, 'sms_messages').selectAll().where('sms_messages.sent_at', '>=', from).where('sms_messages.sent_at', '<', to);
  for (const [id, column] of [[f.appId, 'sms_messages.app_id'], [f.bindingId, 'sms_messages.binding_id']] as const)
    if (id) q = validIds([id]).length ? q.where(column, '=', id) : q.where((eb) => eb.val(false));
  if (f.number) {
    const p = parseNumber(f.number.slice(0, 64));
    if (!p.ok) throw new ValidationError('number', p.message);
    const n = p.e164;
    q = q.where((eb) => eb.or([eb('sms_messages.from_e164', '=', n), eb('sms_messages.to_e164', '=', n), eb('sms_messages.relayed_to_e164', '=', n)]));
  }
  return q;
}
