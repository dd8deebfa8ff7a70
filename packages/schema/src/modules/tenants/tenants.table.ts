import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Role } from '../../access/actor.js';

export interface TenantsTable {
  id: Generated<string>;
  name: string;
  time_zone: Generated<string>;
  created_at: ColumnType<Date, Date, never>;
}

export interface UsersTable {
  id: Generated<string>;
  tenant_id: string | null;
  name: string;
  email: string;
  role: Role;
  created_at: ColumnType<Date, Date, never>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_id: string;
  tenant_id: string | null;
  role: Role;
  prefix: string;
  secret_hash: string;
  label: string | null;
  created_at: ColumnType<Date, Date, never>;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  /** A PARTNER key's app (DESIGN §1); null for every other key. */
  app_id: ColumnType<string | null, string | null | undefined, never>;
}

export type Tenant = Selectable<TenantsTable>;
export type User = Selectable<UsersTable>;
export type ApiKey = Selectable<ApiKeysTable>;
