import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/max';
import type { NumberType } from './numbers.table.js';

/**
 * Phone numbers are parsed by libphonenumber-js (full metadata, so that the number's kind is
 * known), with China as the default country for national input such as 010-12345678.
 * China's 400 numbers are "shared cost" in that metadata: +86 400 xxx xxxx.
 */
export const DEFAULT_COUNTRY = 'CN' as const;

export type ParsedNumber = { ok: true; e164: string; national: string; detected: NumberType[] } | { ok: false; message: string };

export function parseNumber(raw: string): ParsedNumber {
  const text = raw.trim();
  if (!text) return { ok: false, message: 'the number is missing' };
  const p = parsePhoneNumberFromString(text, DEFAULT_COUNTRY);
  if (!p || !p.isValid()) return { ok: false, message: `"${text}" is not a valid phone number` };
  return { ok: true, e164: p.number, national: p.formatNational(), detected: typesOf(p) };
}

/** Which inventory types a parsed number can be. */
function typesOf(p: PhoneNumber): NumberType[] {
  const kind = p.getType();
  if (isChina400(p)) return ['TOLL_FREE_400'];
  if (kind === 'MOBILE') return ['MOBILE'];
  if (kind === 'FIXED_LINE') return ['LOCAL'];
  if (kind === 'FIXED_LINE_OR_MOBILE') return ['LOCAL', 'MOBILE'];
  return [];
}

const isChina400 = (p: PhoneNumber) => p.country === 'CN' && p.getType() === 'SHARED_COST' && p.nationalNumber.startsWith('400');

/** True for a China 400 number, in any format libphonenumber-js reads. */
export function isTollFree400(raw: string): boolean {
  const p = parsePhoneNumberFromString(raw.trim(), DEFAULT_COUNTRY);
  return !!p && p.isValid() && isChina400(p);
}

/** The national form for display, e.g. 400 810 8888 or 010 1234 5678. */
export function nationalFormat(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatNational() ?? e164;
}
