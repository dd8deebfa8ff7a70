import { expect } from 'vitest';
import { DomainError } from '@callplane/schema';

/** The DomainError a service call fails with (anything else fails the test). */
export async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

/** The DomainError of a service call, checked for its code and (when given) the field it names. */
export async function failsWith(p: Promise<unknown>, code: string, field?: string | null): Promise<DomainError> {
  const e = await failure(p);
  expect(e.code, e.message).toBe(code);
  if (field !== undefined) expect(e.field, e.message).toBe(field);
  return e;
}
