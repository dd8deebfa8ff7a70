import Decimal from 'decimal.js';
import { ValidationError } from '../../errors.js';

/** Exact CNY amounts (M1): decimal.js in TypeScript, numeric(14,3) in PostgreSQL, strings between. */
export type Money = Decimal;

export const money = (v: string | number | Decimal): Decimal => new Decimal(v);

/** The stored and shown form: three decimals, e.g. "375.000". */
export const formatMoney = (v: Decimal): string => v.toFixed(3);

/** The most an amount or a balance can be: what numeric(14,3) holds. */
export const MAX_AMOUNT = new Decimal('99999999999.999');

/** A positive amount from input: a decimal string with at most 3 decimals. */
export function parsePositiveAmount(raw: string, field: string): Decimal {
  let d: Decimal;
  try {
    d = new Decimal(raw.trim());
  } catch {
    throw new ValidationError(field, `${field} must be a decimal amount like "100.00"`);
  }
  if (!d.isFinite() || d.decimalPlaces() > 3) throw new ValidationError(field, `${field} must be a decimal amount with at most 3 decimals`);
  if (d.lte(0)) throw new ValidationError(field, `${field} must be greater than 0`);
  if (d.gt(MAX_AMOUNT)) throw new ValidationError(field, `${field} is at most ${formatMoney(MAX_AMOUNT)} CNY`);
  return d;
}
