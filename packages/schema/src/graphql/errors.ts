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
      extensions: { ...error.extensions, code: domain.code, field: domain.field },
    });
  if (domain) return new GraphQLError(domain.message, { extensions: { code: domain.code, field: domain.field } });
  if (error instanceof GraphQLError && !error.originalError) return error;
  return new GraphQLError(masked, {
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

function findDomainError(e: unknown): DomainError | null {
  for (let cur = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof DomainError) return cur;
    cur = (cur as { originalError?: unknown; cause?: unknown }).originalError ?? (cur as { cause?: unknown }).cause;
  }
  return null;
}
