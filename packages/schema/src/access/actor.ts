export const ROLES = ['OPERATOR', 'TENANT_ADMIN', 'SUPERVISOR', 'PARTNER'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from the API key once per request or socket. */
export interface Actor {
  keyId: string;
  userId: string | null;
  role: Role;
  /** null only for OPERATOR keys. */
  tenantId: string | null;
  /** The one privacy or voice app a PARTNER key belongs to; null for every other key (and a PARTNER key of no app reads nothing). */
  appId?: string | null;
}

/** The actor of system work (jobs, CLI, bootstrap): an OPERATOR that is no key. */
export const SYSTEM: Actor = { keyId: 'system', userId: null, role: 'OPERATOR', tenantId: null };

export const isOperator = (a: Actor | null | undefined): boolean => a?.role === 'OPERATOR';
