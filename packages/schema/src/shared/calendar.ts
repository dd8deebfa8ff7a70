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
