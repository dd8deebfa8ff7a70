import type { CombinedError } from '@urql/core';

/** One message for a failed operation, as the API worded it (errors are never masked). */
export function messageOf(error: CombinedError | null | undefined): string | null {
  if (!error) return null;
  if (error.networkError) return `The server could not be reached (${error.networkError.message}).`;
  return error.graphQLErrors.map((e) => e.message).join(' ') || error.message;
}

/**
 * Splits API errors into messages per input field (from `extensions.field`, e.g.
 * `input.creditCode` → `creditCode`, `input.documents.1.file` → `documents.1.file`) and the
 * rest, which the form shows on top.
 */
export function fieldErrorsOf(error: CombinedError | null | undefined): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  if (!error) return { fields, general };
  if (error.networkError) general.push(`The server could not be reached (${error.networkError.message}).`);
  for (const e of error.graphQLErrors) {
    const raw = e.extensions?.field;
    const field = typeof raw === 'string' && raw ? raw.replace(/^input\./, '') : null;
    if (field && !fields[field]) fields[field] = e.message.replace(new RegExp(`^${escapeRegExp(String(raw))}:\\s*`), '');
    else general.push(e.message);
  }
  return { fields, general };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
