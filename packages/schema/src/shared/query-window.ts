// P9: calls, CDRs and SMS are read within a window of 31 days at most (two monthly partitions).
import { ValidationError } from '../errors.js';
import { parseNumber } from '../modules/numbers/numbers.phone.js';

/** P9: a query of calls, CDRs or SMS spans this many days at most. */
export const RANGE_DAYS = 31;
const DAY = 86_400_000;

/**
 * P9: the window [from, to) of a query of `what` (e.g. "a CDR query"): `to` defaults to now and
 * `from` to 31 days before it; an empty or longer window is a typed error naming the argument.
 */
export function queryWindow(now: Date, f: { from?: Date | null; to?: Date | null }, what: string): { from: Date; to: Date } {
  const to = f.to ?? now;
  const from = f.from ?? new Date(to.getTime() - RANGE_DAYS * DAY);
  if (from >= to) throw new ValidationError('from', 'from is before to');
  if (to.getTime() - from.getTime() > RANGE_DAYS * DAY) throw new ValidationError('to', `${what} spans ${RANGE_DAYS} days at most`);
  return { from, to };
}

/** A `number` filter in E.164, or the typed error naming it. */
export function filterNumber(raw: string): string {
  const p = parseNumber(raw.slice(0, 64));
  if (!p.ok) throw new ValidationError('number', p.message);
  return p.e164;
}
