// Field validation shared by modules: qualifications, handlers, number applications.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { characterCount } from './text.js';

const emailSchema = z.email();

/** Trimmed, non-empty text of at most `max` characters; the error names the field by its label. */
export function requiredText(value: string | null | undefined, field: string, label: string, max = 200): string {
  const v = (value ?? '').trim();
  if (!v) throw new ValidationError(field, `${label} must not be empty`);
  if (characterCount(v) > max) throw new ValidationError(field, `${label} has at most ${max} characters`);
  return v;
}

/** A mobile number (China by default; international numbers with +), stored in E.164. */
export function parseMobile(raw: string, field: string): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), 'CN');
  const type = parsed?.isValid() ? parsed.getType() : undefined;
  if (!parsed || !type) throw new ValidationError(field, `'${raw}' is not a valid phone number`);
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') throw new ValidationError(field, `'${raw}' is not a mobile number`);
  return parsed.number;
}

export function parseEmail(raw: string, field: string): string {
  const v = raw.trim();
  if (!emailSchema.safeParse(v).success) throw new ValidationError(field, `'${raw}' is not a valid email address`);
  return v;
}

/** A mainland resident ID (GB 11643-1999) has its check digit verified; other documents (passports, permits) only their length. */
export function parseIdNumber(raw: string, field: string): string {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (!v) throw new ValidationError(field, 'the ID number must not be empty');
  if (v.length > 32) throw new ValidationError(field, 'the ID number has at most 32 characters');
  if (/^\d{17}[\dX]$/.test(v)) {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = weights.reduce((s, w, i) => s + w * Number(v[i]), 0);
    const expected = '10X98765432'[sum % 11]!;
    if (v[17] !== expected) throw new ValidationError(field, `the resident ID number's check digit is wrong: expected '${expected}'`);
  }
  return v;
}
