import type { ApiKeysTable, TenantsTable, UsersTable } from '../modules/tenants/tenants.table.js';
import type { EventsTable } from '../modules/events/events.table.js';
import type { QualificationTables } from '../modules/qualifications/qualifications.table.js';
import type { NumberTables } from '../modules/numbers/numbers.table.js';
import type { BillingTables } from '../modules/billing/billing.table.js';
import type { ApplicationTables } from '../modules/applications/applications.table.js';
import type { OutboxTables } from '../modules/outbox/outbox.table.js';
import type { InstanceTables } from '../modules/instances/instances.table.js';
import type { UnsubscribeTables } from '../modules/numbers/unsubscribe.table.js';
import type { PrivacyTables } from '../modules/privacy/privacy.table.js';
import type { CallTables } from '../modules/calls/calls.table.js';
import type { WebhookTables } from '../modules/webhooks/webhooks.table.js';
import type { SmsTables } from '../modules/sms/sms.table.js';
import type { VoiceTables } from '../modules/voice/voice.table.js';
import type { StatementTables } from '../modules/statements/statements.table.js';

/** The whole database, assembled from each module's *.table.ts. */
export interface Database extends QualificationTables, NumberTables, BillingTables, ApplicationTables, OutboxTables, UnsubscribeTables, InstanceTables, PrivacyTables, WebhookTables, CallTables, SmsTables, VoiceTables, StatementTables {
  tenants: TenantsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
}
