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
