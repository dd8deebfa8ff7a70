// P5, P6, P7: the parameters of apps and bindings, each checked with the code the seed documents.
import { parseNumber } from '../numbers/numbers.phone.js';
import { characterCount } from '../../shared/text.js';
import { invalid, notInApp } from './privacy.codes.js';

export const MIN_DURATION_SECONDS = 60;
export const MAX_DURATION_SECONDS = 90 * 86_400;
/** P5: a binding without a duration lasts 2 hours (AX bindings are permanent). */
export const DEFAULT_DURATION_SECONDS = 2 * 3600;
export const MAX_CALL_MINUTES = 1440;
export const MAX_USER_DATA = 256;
export const MAX_URL_LENGTH = 2048;

/** A party's number (A, B) in E.164; anything else is 1010002 naming the parameter. */
export function parseParty(raw: string | null | undefined, field: string): string {
  if (raw == null || !raw.trim()) throw invalid(field, 'the number is missing');
  const parsed = parseNumber(raw.slice(0, 64));
  if (!parsed.ok) throw invalid(field, parsed.message);
  return parsed.e164;
}

/** An X number in E.164; a malformed one is 1011001 (P7). */
export function parseX(raw: string, field: string): string {
  const parsed = parseNumber(raw.slice(0, 64));
  if (!parsed.ok) throw notInApp(field, `the X number is malformed: ${parsed.message}`);
  return parsed.e164;
}

/** P5: 0 (permanent) or 60 s – 90 days. */
export function checkDuration(seconds: number, field = 'durationSeconds'): number {
  if (!Number.isInteger(seconds) || seconds < 0) throw invalid(field, 'a whole number of seconds, 0 for permanent');
  if (seconds !== 0 && (seconds < MIN_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS))
    throw invalid(field, `0 (permanent) or ${MIN_DURATION_SECONDS} s to 90 days (${MAX_DURATION_SECONDS} s)`);
  return seconds;
}

export function checkMaxCallMinutes(minutes: number, field = 'maxCallMinutes'): number {
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_CALL_MINUTES) throw invalid(field, `0 (unlimited) to ${MAX_CALL_MINUTES} minutes`);
  return minutes;
}

export function checkUserData(data: string | null | undefined, field = 'userData'): string | null {
  if (data == null) return null;
  if (characterCount(data) > MAX_USER_DATA) throw invalid(field, `at most ${MAX_USER_DATA} characters`);
  return data;
}

/** P6: an extension of exactly the app's length, 1–9, 01–99, 001–999 or 0001–9999. */
export function checkExtension(ext: string, length: number, field = 'extension'): string {
  if (!new RegExp(`^[0-9]{${length}}$`).test(ext) || /^0+$/.test(ext))
    throw invalid(field, `an extension of this app has ${length} digit${length > 1 ? 's' : ''}, from ${'0'.repeat(length - 1)}1 to ${'9'.repeat(length)}`);
  return ext;
}

/** The extensions of a length, in order: 1–9, 01–99, … */
export function extensionAt(i: number, length: number): string {
  return String(i).padStart(length, '0');
}
export const extensionCapacity = (length: number) => 10 ** length - 1;

/** A callback URL: absolute http(s), at most 2 048 characters; empty means none. */
export function checkUrl(raw: string | null | undefined, field: string): string | null {
  const v = raw?.trim();
  if (!v) return null;
  if (v.length > MAX_URL_LENGTH) throw invalid(field, `at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(field, `'${v.slice(0, 80)}' is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(field, 'only http and https URLs are called');
  if (url.username || url.password) throw invalid(field, 'credentials in the URL are not accepted: requests are signed with the app secret');
  return url.toString();
}

/** An area code such as 021 or 0755 (the leading 0 optional), for picking X from the pool. */
export function checkAreaCode(raw: string, field = 'areaCode'): string {
  const v = raw.trim().replace(/^0/, '');
  if (!/^[1-9][0-9]{1,3}$/.test(v)) throw invalid(field, 'an area code such as 021 or 0755');
  return v;
}
