import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { calendarDate } from '../../shared/calendar.js';
import { NumberRef, NumberTypeEnum } from './numbers.graphql.js';
import { findUnsubscribeBatch, MAX_UNSUBSCRIBE_BATCH, unsubscribeBatchesQuery, unsubscribeItemsOf, unsubscribeNumbers } from './unsubscribe.service.js';
import {
  UNSUBSCRIBE_BATCH_STATUSES,
  UNSUBSCRIBE_RESULTS,
  type UnsubscribeBatch,
  type UnsubscribeBatchStatus,
  type UnsubscribeItem,
} from './unsubscribe.table.js';

const BatchStatusEnum = builder.enumType('UnsubscribeBatchStatus', {
  values: UNSUBSCRIBE_BATCH_STATUSES,
  description: 'CHECKING → COMPLETED (all released) | PARTIAL_SUCCESS (some) | CHECK_FAILED (none) (N7).',
});
const ResultEnum = builder.enumType('UnsubscribeResult', { values: UNSUBSCRIBE_RESULTS });

const ItemRef = builder.objectRef<UnsubscribeItem>('UnsubscribeItem').implement({
  description: 'The result of one number of an unsubscribe batch.',
  fields: (t) => ({
    position: t.exposeInt('position'),
    e164: t.exposeString('e164', { description: 'The number as it was when unsubscribed.' }),
    type: t.field({ type: NumberTypeEnum, resolve: (i) => i.number_type }),
    number: t.field({ type: NumberRef, nullable: true, description: 'The number now (a released one is back in stock).', resolve: (i) => i.number_id }),
    result: t.field({ type: ResultEnum, resolve: (i) => i.result }),
    reasonCode: t.exposeString('reason_code', { nullable: true, description: 'The failed check: UNPAID_ORDER, …' }),
    reason: t.exposeString('reason', { nullable: true }),
    feesEndMonth: t.field({
      type: 'Date',
      nullable: true,
      description: 'Released numbers: the first month without monthly fees (first day of the next month, tenant time zone).',
      resolve: (i) => (i.fees_end_month ? calendarDate(i.fees_end_month as string | Date) : null),
    }),
  }),
});

export const UnsubscribeBatchRef = builder.loadableNode('UnsubscribeBatch', {
  description: 'A batch unsubscription of numbers (N7) with a result per number.',
  id: { resolve: (b: UnsubscribeBatch) => b.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'unsubscribe_batches', ids),
  sort: (b) => b.id,
  fields: (t) => ({
    status: t.field({ type: BatchStatusEnum, resolve: (b) => b.status }),
    items: t.loadableGroup({
      type: ItemRef,
      load: (ids: string[], ctx) => unsubscribeItemsOf(ctx, ids),
      group: (i) => (i as UnsubscribeItem).batch_id,
      resolve: (b) => b.id,
    }),
    tenant: t.field({ type: TenantRef, resolve: (b) => b.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    completedAt: t.expose('completed_at', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  unsubscribeBatches: t.connection({
    type: UnsubscribeBatchRef,
    description: 'Unsubscribe batches visible to the key (own tenant; OPERATOR: all), newest first.',
    authScopes: { authenticated: true },
    args: { status: t.arg({ type: BatchStatusEnum, required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, unsubscribeBatchesQuery(ctx, args), 'unsubscribe_batches'),
  }),
  unsubscribeBatch: t.field({
    type: UnsubscribeBatchRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: UnsubscribeBatchRef }) },
    resolve: (_r, args, ctx) => findUnsubscribeBatch(ctx, args.id.id),
  }),
}));

builder.mutationField('unsubscribeNumbers', (t) =>
  t.field({
    type: UnsubscribeBatchRef,
    description: `N7: starts a batch (CHECKING) for up to ${MAX_UNSUBSCRIBE_BATCH} of the tenant's numbers; a job checks them and releases those that pass.`,
    args: { numberIds: t.arg.globalIDList({ for: NumberRef }) },
    resolve: (_r, args, ctx) => unsubscribeNumbers(ctx, args.numberIds.map((g) => g.id)),
  }),
);

const BatchStatusChange = builder.objectRef<StoredEvent>('UnsubscribeBatchStatusChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    batch: t.field({ type: UnsubscribeBatchRef, resolve: (e) => e.subjectId }),
    status: t.field({ type: BatchStatusEnum, resolve: (e) => e.payload.status as UnsubscribeBatchStatus }),
    previousStatus: t.field({ type: BatchStatusEnum, nullable: true, resolve: (e) => (e.payload.previousStatus as UnsubscribeBatchStatus | null) ?? null }),
    released: t.int({ resolve: (e) => Number(e.payload.released ?? 0) }),
    failed: t.int({ resolve: (e) => Number(e.payload.failed ?? 0) }),
    total: t.int({ resolve: (e) => Number(e.payload.total ?? 0) }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('unsubscribeBatchStatusChanged', {
  type: BatchStatusChange,
  eventType: 'UNSUBSCRIBE_BATCH_STATUS_CHANGED',
  description: 'Status changes of unsubscribe batches (own tenant; OPERATOR: all), replayed after `after`, then live.',
});
