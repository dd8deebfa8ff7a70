export const ROLES = ['OPERATOR', 'TENANT_ADMIN', 'SUPERVISOR', 'PARTNER'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from the API key once per request or socket. */
export interface Actor {
  keyId: string;
  userId: string | null;
  role: Role;
  /** null only for OPERATOR keys. */
  tenantId: string | null;
}

export const isOperator = (a: Actor | null | undefined): boolean => a?.role === 'OPERATOR';
