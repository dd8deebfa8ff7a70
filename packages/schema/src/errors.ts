/**
 * Domain errors: one hierarchy with a stable `code` and, where it applies, the input `field`.
 * They are mapped once to GraphQL (graphql/errors.graphql.ts) and never masked.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly field: string | null;
  constructor(code: string, message: string, field: string | null = null) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
  }
}

export class ValidationError extends DomainError {
  constructor(field: string, message: string, code = 'INVALID_INPUT') {
    super(code, message, field);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, field: string | null = 'id') {
    super('NOT_FOUND', `${what} not found`, field);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'not allowed for this key', field: string | null = null) {
    super('FORBIDDEN', message, field);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, field: string | null = null) {
    super(code, message, field);
    this.name = 'ConflictError';
  }
}
