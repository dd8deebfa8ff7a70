/**
 * Domain errors: one hierarchy with a stable `code` and, where it applies, the input `field`.
 * They are mapped once to GraphQL (graphql/errors.graphql.ts) and never masked.
 */
/**
 * Every `extensions.code` the API answers with, and what it means: the SDL's ErrorCode enum, so
 * that clients can switch on them. A new code is added here first.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: 'No API key, or one that is unknown, revoked or expired.',
  FORBIDDEN: 'The key’s role may not do this (MUTATION_ROLES); rows it may not read are NOT_FOUND instead.',
  NOT_FOUND: 'No such row visible to this key: missing and hidden rows look the same.',
  INVALID_INPUT: 'An argument is malformed or out of range; `field` names it.',
  INVALID_ID: 'A global id that is malformed or of another type.',
  INVALID_CURSOR: 'A cursor (`after`, `before`) that this list or stream never gave out.',
  INVALID_STATUS: 'The row is not in a status that allows this.',
  INTERNAL_SERVER_ERROR: 'A fault of the server (logged); the message is masked.',
  CLOCK_NOT_MANUAL: 'advanceClock needs CALLPLANE_CLOCK=manual.',
  JOBS_STILL_RUNNING: 'advanceClock moved the clock, but jobs due by then were still running when it stopped waiting; the message names them.',
  QUALIFICATION_NOT_APPROVED: 'Q2: the qualification is not APPROVED.',
  QUALIFICATION_WRONG_KIND: 'Q2: the qualification is not of the kind this number needs.',
  DOCUMENT_TYPE_NOT_ALLOWED: 'Q4: the file type is not accepted for documents.',
  DOCUMENT_TOO_LARGE: 'Q4: the file is larger than the limit.',
  NUMBER_NOT_AVAILABLE: 'N2: the number cannot be bought (taken, or none such).',
  NUMBER_NOT_ACTIVE: 'The number is not ACTIVE.',
  NUMBER_NOT_RENEWABLE: 'N4: the number cannot be renewed now.',
  NUMBER_INBOUND_ONLY: 'N5: the number may not be used for outbound calls.',
  TOLL_FREE_INBOUND_ONLY: 'N5: a 400 number is inbound only.',
  APPLICATION_REQUIRED: 'N3: this needs an application and a review, not a purchase.',
  PURCHASE_AVAILABLE: 'N2/N3: the region has stock of this kind: buy a number instead of applying.',
  APPLICATION_CLOSED: 'N3: the application is closed.',
  MATERIALS_NOT_REQUIRED: 'N6: the application needs no handler materials.',
  MATERIALS_DEADLINE_PASSED: 'N6: the 7 days for handler materials have passed.',
  ORDER_NOT_PAYABLE: 'The order is not UNPAID.',
  ORDER_EXPIRED: 'The order expired before payment.',
  INSUFFICIENT_BALANCE: 'M1: the balance does not cover the amount.',
  BALANCE_LIMIT: 'M1: the balance would exceed the largest amount stored (99 999 999 999.999 CNY).',
  INSTANCE_NOT_RUNNING: 'I1: the instance is not RUNNING (CREATING or FAILED): its agents, skill groups and flows take no changes.',
  LAST_ADMIN_AGENT: 'I3: an instance keeps at least one ADMIN agent: the last one cannot be deleted or made an AGENT.',
  DEFAULT_SKILL_GROUP: 'I2: the default skill group of an instance cannot be deleted.',
  SKILL_GROUP_IN_USE: 'I3: a published flow transfers calls to this skill group; the message names the flow.',
  DEFAULT_FLOW: 'I2: the default Welcome flow of an instance cannot be deleted.',
  FLOW_INVALID: 'I3: the flow definition is invalid; `extensions.problems` lists every problem as { nodeId, message } (nodeId null for the whole flow).',
  ALREADY_EXISTS: 'A unique value (a name, a slug, an agent number) is taken; `field` names it.',
  NUMBER_IN_USE: 'I1: the number is another instance’s number or bound to another instance’s flow.',
  IMMUTABLE_FIELD: 'I1: the field cannot be changed after creation; `field` names it.',
  CONFIRMATION_MISMATCH: 'I4: the confirmation typed back does not match exactly; `field` names it.',
  PRIVACY_NUMBER_NOT_IN_APP: 'P7 1011001: the X number is not one of the app’s numbers, or is malformed (`extensions.resultCode`).',
  PRIVACY_POOL_EXHAUSTED: 'P7 1011002: no free number in the pool for this binding.',
  PRIVACY_AX_NOT_BOUND: 'P7 1011004: unbinding an AX (or AXE) number that was not bound.',
  PRIVACY_AXB_NOT_BOUND: 'P7 1012001: unbinding AXB numbers that were not bound.',
  PRIVACY_ALREADY_BOUND: 'P7 1012010: the binding conflicts with an active one or a limit of P3 (already bound).',
  PRIVACY_WRONG_MODE: 'P7 1010040: the operation or parameter does not match the app’s mode.',
  UNKNOWN_CALL: 'C1: a call event for a call the key never reported a CALLIN or CALLOUT of (or may not see).',
  CALL_NUMBER_NOT_OWNED: 'C1: the call’s number is not one of the key’s (a PARTNER key: of its app’s pool; else of its tenant).',
  SMS_NUMBER_NOT_OWNED: 'C4: the SMS’s `to` is not an X of the key (a PARTNER key: of its app’s pool; else of its tenant’s privacy apps).',
  VOICE_NUMBER_NOT_OPEN: 'V3: the voice app has no open voice number (or `fromNumberId` is not one of its open numbers).',
  NO_MINUTES_LEFT: 'V3: no unexpired minute package of the tenant has a minute left: nothing was sent or charged.',
  UNKNOWN_VOICE_MESSAGE: 'V3: a reported voice message the key never sent (or may not see: another app’s).',
  NOT_ENOUGH_NUMBERS: 'V1: the stock has fewer numbers of the region than asked for (`field` count); nothing was taken.',
  VOUCHERS_NOT_ACCEPTED: 'V2: voice-message packages cannot be paid with vouchers (`field` voucherCode).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly field: string | null;
  /** More `extensions` for the client besides code and field (e.g. FLOW_INVALID's `problems`). */
  readonly extensions: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, field: string | null = null, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
    this.extensions = extensions;
  }
}

export class ValidationError extends DomainError {
  constructor(field: string, message: string, code: ErrorCode = 'INVALID_INPUT') {
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
  constructor(code: ErrorCode, message: string, field: string | null = null) {
    super(code, message, field);
    this.name = 'ConflictError';
  }
}
