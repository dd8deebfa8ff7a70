// P8: the shape of a routing decision and the state codes of a REJECT.

/**
 * The state codes of a REJECT: 8014 and 8016 are the seed's; the others name the remaining cases
 * of this platform (documented in the GraphQL schema).
 */
export const ROUTE_STATE_CODES = {
  /** The called number is not one of the app's numbers (nor, for an admin or operator key, of any visible app). */
  NOT_AN_X: '8011',
  NO_BINDING: '8014',
  DIRECTION_NOT_ALLOWED: '8016',
  /** N5: the number to show would be a 400 number. */
  DISPLAY_NOT_ALLOWED: '8017',
  /** X mode: the call-control URL gave no usable answer and the app has no fallback number. */
  CALL_CONTROL_FAILED: '8018',
  /** X mode: the call-control URL answered REJECT. */
  CALL_CONTROL_REJECTED: '8019',
} as const;

/** Which step of the lookup order decided. */
export const ROUTE_MATCHES = ['AXE', 'AXB', 'AX', 'CALL_CONTROL', 'FALLBACK'] as const;
export type RouteMatch = (typeof ROUTE_MATCHES)[number];

export interface RouteConnect {
  action: 'CONNECT';
  matched: RouteMatch;
  callee: string;
  displayNumber: string;
  /** null: unlimited. */
  maxDurationSeconds: number | null;
  record: boolean;
  bindingId: string | null;
  userData: string | null;
  /** FALLBACK: why the call-control URL's answer was not used. */
  reason?: string;
}

export interface RouteReject {
  action: 'REJECT';
  matched: RouteMatch | null;
  stateCode: string;
  reason: string;
}

export type RouteDecision = RouteConnect | RouteReject;

export interface RouteCallInput {
  caller: string;
  called: string;
  extension?: string | null;
}

export const reject = (code: keyof typeof ROUTE_STATE_CODES, reason: string, matched: RouteMatch | null = null): RouteReject => ({
  action: 'REJECT',
  matched,
  stateCode: ROUTE_STATE_CODES[code],
  reason,
});

