// @callplane/schema/core: the model without GraphQL — database, access policy, domain services,
// jobs and the module list. The worker and the CLI load this; the server adds the GraphQL schema
// from the package's main entry (index.ts).
export * from './clock.js';
export * from './errors.js';
export * from './context.js';
export * from './access/actor.js';
export * from './access/scope.js';
export * from './db/connect.js';
export * from './db/migrate.js';
export * from './db/transaction.js';
export type { Database } from './db/database.js';
export * from './jobs/schedule.js';
export * from './jobs/tasks.js';
export * from './jobs/sweep.js';
export * from './modules.js';
export { attachManualClock } from './modules/system/system.service.js';
export * from './modules/events/events.bus.js';
export * from './modules/events/events.cursor.js';
export * from './modules/events/events.service.js';
export * from './modules/events/events.stream.js';
export { sharedReader, sharedReads } from './modules/events/events.fanout.js';
export { attachEventTransport, sharedRenders, type EventTransport } from './modules/events/events.render.js';
export * from './modules/events/events.types.js';
export * from './modules/tenants/tenants.service.js';
export { hashKey, prefixOf } from './modules/tenants/keys.js';
export * from './modules/qualifications/qualifications.service.js';
export { importNumbers, purchaseNumber, numbersQuery, type ImportResult, type NumberImportRow } from './modules/numbers/numbers.service.js';
export { NUMBER_STATUSES, NUMBER_TYPES, type NumberRow, type NumberStatus, type NumberType } from './modules/numbers/numbers.table.js';
export { linesOf, ordersQuery, payOrder, topUpBalance } from './modules/billing/billing.service.js';
export { ORDER_STATUSES, type Order, type OrderStatus } from './modules/billing/billing.table.js';
export { setEmailTransport } from './modules/outbox/outbox.service.js';
