import type { ApiKeysTable, TenantsTable, UsersTable } from '../modules/tenants/tenants.table.js';
import type { EventsTable } from '../modules/events/events.table.js';
import type { QualificationTables } from '../modules/qualifications/qualifications.table.js';

/** The whole database, assembled from each module's *.table.ts. */
export interface Database extends QualificationTables {
  tenants: TenantsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
}
