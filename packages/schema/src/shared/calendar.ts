// Calendar dates (YYYY-MM-DD) in a tenant's time zone.
import { ValidationError } from '../errors.js';

/** YYYY-MM-DD of a real calendar day. */
export function parseCalendarDate(raw: string, field: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : null;
  if (!d || d.toISOString().slice(0, 10) !== raw) throw new ValidationError(field, `'${raw}' is not a date (YYYY-MM-DD)`);
  return raw;
}

/** The calendar date of an instant in a time zone, YYYY-MM-DD. */
export function dateInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A date column as YYYY-MM-DD, whether the driver returned a string or a local-midnight Date. */
export function calendarDate(v: string | Date): string {
  if (typeof v === 'string') return v.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${v.getFullYear()}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}`;
}

/** The same day `years` later; 29 February becomes 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

/** A calendar month, YYYY-MM. */
export type Month = string;

/** The month of an instant in a time zone, YYYY-MM. */
export const monthInZone = (at: Date, timeZone: string): Month => dateInZone(at, timeZone).slice(0, 7);

/** `month` moved by `n` months (n may be negative). */
export function addCalendarMonths(month: Month, n: number): Month {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** How far the time zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a calendar day (YYYY-MM-DD) begins in a time zone. */
export function startOfDayInZone(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  // two passes: the offset at the guess, then at the corrected instant (a DST change in between)
  let at = wall - zoneOffsetMs(new Date(wall), timeZone);
  at = wall - zoneOffsetMs(new Date(at), timeZone);
  return new Date(at);
}

/**
 * A month's bounds in a time zone as instants, [start, end): e.g. November 2026 in Asia/Shanghai is
 * [2026-10-31T16:00Z, 2026-11-30T16:00Z). Months of fees, statements and usage are counted this way.
 */
export function monthBounds(month: Month, timeZone: string): { start: Date; end: Date } {
  return { start: startOfDayInZone(`${month}-01`, timeZone), end: startOfDayInZone(`${addCalendarMonths(month, 1)}-01`, timeZone) };
}
