import type { Database } from '../db/database.js';
import type { Role } from './actor.js';

/**
 * Which rows of a table a role may read (DESIGN §1):
 * - ALL: every row;
 * - TENANT: rows of the key's own tenant;
 * - TENANT_OR_STOCK: the tenant's own rows and numbers in stock (status AVAILABLE, owned by none);
 * - APP: rows of the key's own app (a PARTNER key belongs to one privacy or voice app);
 * - NONE: no row: the table is not this role's to read.
 */
export type RowRule = 'ALL' | 'TENANT' | 'TENANT_OR_STOCK' | 'APP' | 'NONE';

export interface TablePolicy {
  /** The GraphQL object types whose data are rows of this table. */
  types: readonly string[];
  read: Readonly<Record<Role, RowRule>>;
  /** The column that names the owning tenant (default `tenant_id`). */
  tenantColumn?: string;
  /** The column that names the app of a row, for the APP rule (default `app_id`; the apps table: `id`). */
  appColumn?: string;
}

/** Rows of one tenant, readable by its admin and supervisor; personal or billing data, never a PARTNER's. */
const TENANT_DATA = { OPERATOR: 'ALL', TENANT_ADMIN: 'TENANT', SUPERVISOR: 'TENANT', PARTNER: 'NONE' } as const;
/** Rows of one privacy app: its tenant's admin and supervisors, and the app's own PARTNER keys. */
const APP_DATA = { OPERATOR: 'ALL', TENANT_ADMIN: 'TENANT', SUPERVISOR: 'TENANT', PARTNER: 'APP' } as const;

/**
 * The read policy, one entry per table (role × tenant × app). Every read of every path (root
 * fields, node/nodes, nested fields and loaders, connections, subscriptions, exports, downloads)
 * goes through `scopedFrom`, which applies it; a row it hides is indistinguishable from a missing one.
 */
export const READ_POLICY = {
  tenants: { types: ['Tenant'], read: TENANT_DATA, tenantColumn: 'id' },
  users: { types: ['User'], read: TENANT_DATA },
  api_keys: { types: ['ApiKey', 'CreatedApiKey'], read: { OPERATOR: 'ALL', TENANT_ADMIN: 'TENANT', SUPERVISOR: 'NONE', PARTNER: 'NONE' } },
  events: {
    types: ['Event', 'QualificationStatusChange', 'NumberStatusChange', 'OrderStatusChange', 'ApplicationStatusChange', 'UnsubscribeBatchStatusChange', 'InstanceStatusChange', 'AgentStatusChange', 'BindingChange', 'PoolUsageChange', 'DeliveryChange', 'CallEventChange', 'CdrCreated', 'SmsChange', 'VoiceMessageStatusChange', 'PackageUsageChange'],
    read: { OPERATOR: 'ALL', TENANT_ADMIN: 'TENANT', SUPERVISOR: 'TENANT', PARTNER: 'APP' },
  },
  qualifications: { types: ['Qualification'], read: TENANT_DATA },
  handlers: { types: ['Handler'], read: TENANT_DATA },
  qualification_documents: { types: ['QualificationDocument'], read: TENANT_DATA },
  numbers: {
    types: ['Number', 'RegionStock', 'NumberImportResult'],
    read: { OPERATOR: 'ALL', TENANT_ADMIN: 'TENANT_OR_STOCK', SUPERVISOR: 'TENANT_OR_STOCK', PARTNER: 'NONE' },
  },
  number_applications: { types: ['NumberApplication', 'ApplicationStatusCount'], read: TENANT_DATA },
  application_materials: { types: ['HandlerMaterial'], read: TENANT_DATA },
  tariffs: { types: ['Tariff', 'VoicePackageQuote'], read: { OPERATOR: 'ALL', TENANT_ADMIN: 'ALL', SUPERVISOR: 'ALL', PARTNER: 'NONE' } },
  balances: { types: ['Balance'], read: TENANT_DATA },
  ledger_entries: { types: ['LedgerEntry'], read: TENANT_DATA },
  orders: { types: ['Order'], read: TENANT_DATA },
  order_lines: { types: ['OrderLine'], read: TENANT_DATA },
  unsubscribe_batches: { types: ['UnsubscribeBatch'], read: TENANT_DATA },
  unsubscribe_items: { types: ['UnsubscribeItem'], read: TENANT_DATA },
  outbox_emails: { types: ['OutboxEmail'], read: TENANT_DATA },
  // call-center instances (I1–I6): the tenant's admin and supervisors; agents are personal data
  instances: { types: ['Instance'], read: TENANT_DATA },
  skill_groups: { types: ['SkillGroup'], read: TENANT_DATA },
  agents: { types: ['Agent', 'InstanceMetrics', 'SkillGroupMetrics'], read: TENANT_DATA },
  agent_skills: { types: ['SkillMembership'], read: TENANT_DATA },
  ivr_flows: { types: ['IvrFlow'], read: TENANT_DATA },
  ivr_flow_versions: { types: ['IvrFlowVersion'], read: TENANT_DATA },
  flow_numbers: { types: [], read: TENANT_DATA },
  // privacy numbers (P1–P9): an app's rows are its PARTNER keys' too; signing secrets are shown once, read by no key
  privacy_apps: { types: ['PrivacyApp', 'CreatedPrivacyApp', 'RotatedAppSecret'], read: APP_DATA, appColumn: 'id' },
  privacy_app_secrets: { types: [], read: { OPERATOR: 'NONE', TENANT_ADMIN: 'NONE', SUPERVISOR: 'NONE', PARTNER: 'NONE' } },
  privacy_pool_numbers: { types: ['PoolNumber', 'PoolCityUsage', 'PoolTransferResult', 'XQuota'], read: APP_DATA },
  privacy_bindings: { types: ['PrivacyBinding'], read: APP_DATA },
  privacy_binding_keys: { types: [], read: APP_DATA },
  // calls and CDRs (C1, C2): the tenant's admin and supervisors; a privacy app's calls its PARTNER keys too
  calls: { types: ['Call'], read: APP_DATA },
  call_events: { types: [], read: APP_DATA },
  cdrs: { types: ['Cdr', 'CallVolumeBucket'], read: APP_DATA },
  // C3: webhook deliveries of an app and their attempts
  deliveries: { types: ['Delivery', 'WebhookHealth'], read: APP_DATA },
  delivery_attempts: { types: ['DeliveryAttempt'], read: APP_DATA },
  // C3: the DELIVERED count per app behind WebhookHealth (its other counts are read from deliveries)
  delivery_counts: { types: [], read: APP_DATA },
  // C4: SMS to an app's numbers, and the switch's message ids seen
  sms_messages: { types: ['Sms'], read: APP_DATA },
  sms_message_ids: { types: [], read: APP_DATA },
  // voice messages (V1–V3): an app's numbers and messages are its PARTNER keys' too; fees and packages are billing data
  voice_apps: { types: ['VoiceApp'], read: APP_DATA, appColumn: 'id' },
  voice_app_secrets: { types: [], read: { OPERATOR: 'NONE', TENANT_ADMIN: 'NONE', SUPERVISOR: 'NONE', PARTNER: 'NONE' } },
  voice_numbers: { types: ['VoiceNumber'], read: APP_DATA },
  voice_fee_charges: { types: [], read: TENANT_DATA },
  voice_packages: { types: ['VoicePackage'], read: TENANT_DATA },
  voice_messages: { types: ['VoiceMessage'], read: APP_DATA },
  voice_package_usages: { types: ['PackageUsageDay'], read: TENANT_DATA },
  // monthly statements (M2): billing data of the tenant; a line's sources are read under their own policies
  statements: { types: ['Statement'], read: TENANT_DATA },
  statement_lines: { types: ['StatementLine'], read: TENANT_DATA },
  statement_line_sources: { types: [], read: TENANT_DATA },
  statement_entries: { types: [], read: TENANT_DATA },
} as const satisfies Record<keyof Database, TablePolicy>;

export type PolicyTable = keyof typeof READ_POLICY;

/**
 * Object types that are no table's rows: the caller itself, and parts of a row of a policy table
 * (read only through that row, so its policy already applies).
 */
export const VALUE_TYPES: Readonly<Record<string, string>> = {
  Viewer: 'the caller itself: every key may read it',
  Region: 'part of a Number',
  CallScenario: 'part of a NumberApplication',
  NumberImportError: 'part of a NumberImportResult',
  NumberPurchase: 'a purchaseNumber result: its Number and Order, each under its own policy',
  RouteDecision: 'a routeCall answer, read from the routing keys and bindings of the app under their policy (P8)',
  CallEventResult: 'a reportCallEvents item outcome: its Call under the calls policy (C1)',
  CallEventError: 'part of a CallEventResult',
  SmsResult: 'a reportSms item outcome: its Sms under the sms_messages policy (C4)',
  SmsError: 'part of an SmsResult',
  VoiceNumbersOpened: 'an openVoiceNumbers result: its Order and VoiceNumbers, each under its own policy (V1)',
  VoiceMessageReportResult: 'a reportVoiceMessages item outcome: its VoiceMessage under the voice_messages policy (V3)',
  VoiceMessageReportError: 'part of a VoiceMessageReportResult',
  StatementSource: 'a source record of a StatementLine: its order, order line, ledger entry or CDR, each under its own policy (M2)',
};

const ADMIN: readonly Role[] = ['TENANT_ADMIN'];
const OPERATOR: readonly Role[] = ['OPERATOR'];
const ADMIN_OR_OPERATOR: readonly Role[] = ['OPERATOR', 'TENANT_ADMIN'];

/**
 * Who may call each mutation (DESIGN §1: SUPERVISOR reads only; PARTNER acts for its app only).
 * Enforced once for every mutation field (graphql/schema.ts); a mutation missing here fails the
 * build of the schema. The services check what depends on the rows (whose tenant, which state).
 */
export const MUTATION_ROLES: Readonly<Record<string, readonly Role[]>> = {
  advanceClock: OPERATOR,
  createTenant: OPERATOR,
  createUser: ADMIN_OR_OPERATOR,
  createApiKey: ADMIN_OR_OPERATOR,
  revokeApiKey: ADMIN_OR_OPERATOR,
  submitQualification: ADMIN,
  resubmitQualification: ADMIN,
  uploadQualificationDocument: ADMIN,
  saveHandler: ADMIN,
  reviewQualification: OPERATOR,
  importNumbers: OPERATOR,
  purchaseNumber: ADMIN,
  setAutoRenew: ADMIN,
  renewNumber: ADMIN,
  unsubscribeNumbers: ADMIN,
  applyForNumbers: ADMIN,
  submitHandlerMaterials: ADMIN,
  reviewNumberApplication: OPERATOR,
  retryNumberAllocation: OPERATOR,
  reviewHandlerMaterials: OPERATOR,
  topUpBalance: OPERATOR,
  adjustBalance: OPERATOR,
  setTariff: OPERATOR,
  payOrder: ADMIN,
  cancelOrder: ADMIN_OR_OPERATOR,
  // privacy numbers: apps and pools by the tenant's admin; bindings also by the app's PARTNER keys (the switch)
  createPrivacyApp: ADMIN,
  updatePrivacyApp: ADMIN,
  rotateAppSecret: ADMIN,
  moveNumbersToPool: ADMIN,
  transferNumbers: ADMIN,
  bind: ['TENANT_ADMIN', 'PARTNER'],
  redeliverDelivery: ADMIN_OR_OPERATOR,
  unbind: ['TENANT_ADMIN', 'PARTNER'],
  updateBinding: ['TENANT_ADMIN', 'PARTNER'],
  createInstance: ADMIN,
  updateInstance: ADMIN,
  deleteInstance: ADMIN,
  setInstanceAnalysis: ADMIN,
  createAgent: ADMIN_OR_OPERATOR,
  updateAgent: ADMIN_OR_OPERATOR,
  deleteAgent: ADMIN_OR_OPERATOR,
  createSkillGroup: ADMIN_OR_OPERATOR,
  updateSkillGroup: ADMIN_OR_OPERATOR,
  deleteSkillGroup: ADMIN_OR_OPERATOR,
  setAgentSkill: ADMIN_OR_OPERATOR,
  removeAgentSkill: ADMIN_OR_OPERATOR,
  createFlow: ADMIN_OR_OPERATOR,
  saveFlowDefinition: ADMIN_OR_OPERATOR,
  publishFlow: ADMIN_OR_OPERATOR,
  deleteFlow: ADMIN_OR_OPERATOR,
  bindNumberToFlow: ADMIN_OR_OPERATOR,
  unbindNumberFromFlow: ADMIN_OR_OPERATOR,
  // the switch reports with its app's PARTNER key; the tenant's admin and the operator may too (instance numbers, tests)
  reportCallEvents: ['OPERATOR', 'TENANT_ADMIN', 'PARTNER'],
  reportSms: ['OPERATOR', 'TENANT_ADMIN', 'PARTNER'],
  // V3: a voice app's messages are sent by its tenant's admin or its PARTNER keys, and reported by the switch
  createVoiceApp: ADMIN,
  rotateVoiceAppSecret: ADMIN,
  openVoiceNumbers: ADMIN,
  buyVoicePackage: ADMIN,
  sendVoiceMessage: ['TENANT_ADMIN', 'PARTNER'],
  reportVoiceMessages: ['OPERATOR', 'TENANT_ADMIN', 'PARTNER'],
  // the user linked to the agent sets its status whatever its key's role; the service decides
  setAgentStatus: ['OPERATOR', 'TENANT_ADMIN', 'SUPERVISOR', 'PARTNER'],
};

/** Fields only some roles may read; for the others they are null (e.g. a handler's national ID number). */
export const FIELD_POLICY: Readonly<Record<string, readonly Role[]>> = {
  'Handler.idNumber': ['OPERATOR', 'TENANT_ADMIN'],
};

export function ruleFor(table: PolicyTable, role: Role): RowRule {
  return READ_POLICY[table].read[role];
}

export function mayReadField(typeField: keyof typeof FIELD_POLICY, role: Role | undefined): boolean {
  return !!role && (FIELD_POLICY[typeField] ?? []).includes(role);
}

/** The table whose policy covers a GraphQL object type, or undefined when none does. */
export function policyOfType(typeName: string): PolicyTable | undefined {
  return (Object.keys(READ_POLICY) as PolicyTable[]).find((t) => (READ_POLICY[t].types as readonly string[]).includes(typeName));
}
