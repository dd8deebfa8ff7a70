import { GraphQLError } from 'graphql';
import { DomainError } from '../errors.js';

/**
 * The one mapping of errors to GraphQL: domain errors keep their code, field and message;
 * anything else is an internal error and stays masked.
 */
export function formatError(error: unknown, masked = 'Unexpected error.'): GraphQLError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const domain = findDomainError(original);
  if (domain && error instanceof GraphQLError)
    return new GraphQLError(domain.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { ...error.extensions, ...domain.extensions, code: domain.code, field: domain.field },
    });
  if (domain) return new GraphQLError(domain.message, { extensions: { ...domain.extensions, code: domain.code, field: domain.field } });
  if (error instanceof GraphQLError && !error.originalError) return error;
  // A request error (a variable that does not coerce to its type) has no path: it is the client's
  // mistake, and its message says what is wrong. Real faults come from resolvers, with a path.
  if (error instanceof GraphQLError && !error.path && error.originalError instanceof GraphQLError)
    return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'INVALID_INPUT', field: variableOf(error.message) } });
  return new GraphQLError(masked, {
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

function findDomainError(e: unknown): DomainError | null {
  for (let cur = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof DomainError) return cur;
    // Pothos rejects malformed input (global ids, paging arguments) before any resolver runs.
    if ((cur as Error).name === 'PothosValidationError') return new DomainError(codeOf((cur as Error).message), (cur as Error).message, fieldOf((cur as Error).message));
    cur = (cur as { originalError?: unknown; cause?: unknown }).originalError ?? (cur as { cause?: unknown }).cause;
  }
  return null;
}

const codeOf = (m: string) => (/global ID|is not of type/.test(m) ? 'INVALID_ID' : 'INVALID_INPUT');
const fieldOf = (m: string) => /Argument "(\w+)"/.exec(m)?.[1] ?? null;

const variableOf = (m: string) => /^Variable "\$(\w+)"/.exec(m)?.[1] ?? null;
