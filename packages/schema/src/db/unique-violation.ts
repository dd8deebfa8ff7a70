/**
 * The name of the unique constraint (or unique index) a PostgreSQL error violated, or null for
 * any other error: services turn the ones they expect into typed errors naming the field, so that
 * two concurrent writes racing for one value get the same answer as a write that came second.
 */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e && e.code === '23505' && typeof e.constraint === 'string' ? e.constraint : null;
}
