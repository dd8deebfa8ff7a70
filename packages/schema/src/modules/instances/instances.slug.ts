// I1: what an instance's name, access slug and description may be.
import { ValidationError } from '../../errors.js';
import { characterCount } from '../../shared/text.js';
import { requiredText } from '../../shared/input-fields.js';

export const MAX_INSTANCE_NAME = 100;
export const MAX_INSTANCE_DESCRIPTION = 1000;
export const SLUG_MIN = 3;
export const SLUG_MAX = 63;

/** The access slug's shape, as the database checks it too (instances.access_slug). */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function parseInstanceName(raw: string | null | undefined, field = 'input.name'): string {
  return requiredText(raw, field, 'the instance name', MAX_INSTANCE_NAME);
}

export function parseDescription(raw: string | null | undefined, field = 'input.description'): string {
  const v = (raw ?? '').trim();
  if (characterCount(v) > MAX_INSTANCE_DESCRIPTION) throw new ValidationError(field, `the description has at most ${MAX_INSTANCE_DESCRIPTION} characters`);
  return v;
}

/**
 * I1: the slug is part of a URL: lower-case letters, digits and hyphens, 3–63 characters, not
 * starting or ending with a hyphen, no two hyphens in a row. The error says what is wrong.
 */
export function parseAccessSlug(raw: string | null | undefined, field = 'input.accessSlug'): string {
  const v = raw ?? '';
  const fail = (why: string) => new ValidationError(field, `the access slug ${why}; use lower-case letters, digits and hyphens, e.g. 'acme-support'`);
  if (!v.trim()) throw fail('must not be empty');
  if (/\s/.test(v)) throw fail('may not contain spaces');
  if (characterCount(v) > SLUG_MAX) throw fail(`has at most ${SLUG_MAX} characters`);
  if (/[A-Z]/.test(v)) throw fail(`may not contain capitals (did you mean '${v.toLowerCase()}'?)`);
  const other = [...v].find((c) => !/[a-z0-9-]/.test(c));
  if (other !== undefined) throw fail(`may not contain '${other}'`);
  if (v.startsWith('-') || v.endsWith('-')) throw fail('may not start or end with a hyphen');
  if (v.includes('--')) throw fail('may not contain two hyphens in a row');
  if (v.length < SLUG_MIN) throw fail(`has at least ${SLUG_MIN} characters`);
  return v;
}
