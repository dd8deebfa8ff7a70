import { builder } from '../../graphql/builder.js';
import { ValidationError } from '../../errors.js';
import { keysetConnection } from '../../graphql/connection.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import { QualificationRef } from '../qualifications/qualifications.graphql.js';
import { OrderLineRef, OrderRef, TariffRef } from '../billing/billing.graphql.js';
import {
  availableNumbersQuery,
  firstTermMonths,
  importNumbers,
  MAX_IMPORT_ROWS,
  numbersById,
  numbersQuery,
  purchaseNumber,
  regionsWithStock,
  renewNumber,
  setAutoRenew,
  tariffCodeFor,
  type ImportResult,
  type RegionStock,
} from './numbers.service.js';
import { nationalFormat } from './numbers.phone.js';
import { CALL_TYPES, NUMBER_STATUSES, NUMBER_TYPES, TOLL_FREE_TIERS, type NumberRow, type NumberStatus } from './numbers.table.js';

export const NumberTypeEnum = builder.enumType('NumberType', { values: NUMBER_TYPES });
export const NumberStatusEnum = builder.enumType('NumberStatus', {
  values: NUMBER_STATUSES,
  description: 'AVAILABLE is stock (a released number goes back to it); EXPIRED numbers are in their grace period.',
});
export const CallTypeEnum = builder.enumType('CallType', { values: CALL_TYPES });
export const TollFreeTierEnum = builder.enumType('TollFreeTier', { values: TOLL_FREE_TIERS });

/**
 * The row id of an optional global id that must name an Instance. (`for: InstanceRef` would make
 * this file import instances.graphql.ts, which builds on NumberRef.)
 */
export function instanceIdArg(id: { typename: string; id: string } | null | undefined, field: string): string | null {
  if (id == null) return null;
  if (id.typename !== 'Instance') throw new ValidationError(field, `${field}: expected the id of an Instance, not of a ${id.typename}`, 'INVALID_ID');
  return id.id;
}

/** An instance's global id as a field (null when there is none). */
export const instanceGlobalId = (instanceId: string | null) => (instanceId ? { type: 'Instance', id: instanceId } : null);

const Region = builder.simpleObject('Region', {
  fields: (t) => ({ province: t.string(), city: t.string() }),
});

export const NumberRef = builder.loadableNode('Number', {
  description: 'A phone number: in stock (AVAILABLE, visible to every tenant) or held by one tenant.',
  id: { resolve: (n: NumberRow) => n.id },
  load: (ids: string[], ctx) => numbersById(ctx, ids),
  sort: (n) => n.id,
  fields: (t) => ({
    e164: t.exposeString('e164', { description: 'E.164, e.g. +864008108888.' }),
    nationalFormat: t.string({ resolve: (n) => nationalFormat(n.e164) }),
    type: t.field({ type: NumberTypeEnum, resolve: (n) => n.type }),
    tier: t.field({ type: TollFreeTierEnum, nullable: true, description: '400 numbers only (N5).', resolve: (n) => n.tier }),
    status: t.field({ type: NumberStatusEnum, resolve: (n) => n.status }),
    region: t.field({ type: Region, resolve: (n) => ({ province: n.province, city: n.city }) }),
    carrier: t.exposeString('carrier'),
    callType: t.field({ type: CallTypeEnum, nullable: true, resolve: (n) => n.call_type }),
    tariff: t.field({
      type: TariffRef,
      description: 'Monthly price: the rent, or for a 400 number its tier’s monthly minimum spend (no rent).',
      resolve: (n) => tariffCodeFor(n),
    }),
    firstTermMonths: t.int({ description: 'A purchase buys this many months (3 for 400 numbers).', resolve: (n) => firstTermMonths(n) }),
    termStart: t.expose('term_start', { type: 'DateTime', nullable: true }),
    termEnd: t.expose('term_end', { type: 'DateTime', nullable: true }),
    autoRenew: t.exposeBoolean('auto_renew'),
    reservedUntil: t.expose('reserved_until', { type: 'DateTime', nullable: true, description: 'A RESERVED number goes back to stock then unless its order is paid.' }),
    graceUntil: t.expose('grace_until', { type: 'DateTime', nullable: true, description: 'An EXPIRED number goes back to stock then unless renewed.' }),
    instanceId: t.globalID({ nullable: true, description: 'The id of the instance the number belongs to (see `instance`).', resolve: (n) => instanceGlobalId(n.instance_id) }),
    qualification: t.field({ type: QualificationRef, nullable: true, resolve: (n) => n.qualification_id }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (n) => n.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

builder.objectField(OrderLineRef, 'number', (t) =>
  t.field({ type: NumberRef, nullable: true, description: 'null once the number is no longer the tenant’s.', resolve: (l) => l.number_id }),
);

const RegionStockRef = builder.objectRef<RegionStock>('RegionStock').implement({
  fields: (t) => ({ province: t.exposeString('province'), city: t.exposeString('city'), count: t.exposeInt('count') }),
});

builder.queryFields((t) => ({
  myNumbers: t.connection({
    type: NumberRef,
    description: "The tenant's numbers, newest first (OPERATOR: every number, stock included).",
    authScopes: { authenticated: true },
    args: {
      status: t.arg({ type: NumberStatusEnum, required: false }),
      type: t.arg({ type: NumberTypeEnum, required: false }),
    },
    resolve: (_r, args, ctx) => keysetConnection(args, numbersQuery(ctx, args), 'numbers'),
  }),
  availableNumbers: t.connection({
    type: NumberRef,
    description: 'N1: numbers in stock to buy, by type, region and a digit pattern (`*` = any one digit).',
    authScopes: { authenticated: true },
    args: {
      type: t.arg({ type: NumberTypeEnum }),
      province: t.arg.string({ required: false }),
      city: t.arg.string({ required: false }),
      pattern: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => keysetConnection(args, availableNumbersQuery(ctx, args), 'numbers'),
  }),
  numberRegionsWithStock: t.field({
    type: [RegionStockRef],
    description: 'N1: only regions that have numbers of the type in stock, with how many.',
    authScopes: { authenticated: true },
    args: { type: t.arg({ type: NumberTypeEnum, required: false }) },
    resolve: (_r, args, ctx) => regionsWithStock(ctx, args.type),
  }),
}));

const ImportRowInput = builder.inputType('NumberImportRow', {
  fields: (t) => ({
    number: t.string({ description: 'Any format; national numbers are read as Chinese (400-810-8888, 010-12345678).' }),
    type: t.string({ description: 'LOCAL, MOBILE or TOLL_FREE_400 (a string, so that a bad one is reported per row).' }),
    province: t.string({ required: false }),
    city: t.string({ required: false }),
    carrier: t.string({ required: false }),
    tier: t.string({ required: false, description: '400 numbers: STANDARD, PREFERRED, SELECTED, GOLD, PLATINUM, VIP or VVIP.' }),
  }),
});

const ImportError = builder.simpleObject('NumberImportError', {
  fields: (t) => ({ row: t.int({ description: '1-based position in `rows`.' }), field: t.string(), message: t.string() }),
});

const ImportResultRef = builder.objectRef<ImportResult>('NumberImportResult').implement({
  fields: (t) => ({
    created: t.exposeInt('created'),
    skipped: t.exposeInt('skipped', { description: 'Already in the inventory (importing again adds nothing).' }),
    errors: t.field({ type: [ImportError], resolve: (r) => r.errors }),
  }),
});

const PurchaseRef = builder.simpleObject('NumberPurchase', {
  fields: (t) => ({ number: t.field({ type: NumberRef }), order: t.field({ type: OrderRef }) }),
});

builder.mutationFields((t) => ({
  importNumbers: t.field({
    type: ImportResultRef,
    description: 'N1 (OPERATOR): adds numbers to stock. Good rows are added, bad rows reported; idempotent.',
    args: {
      rows: t.arg({ type: [ImportRowInput], description: `At most ${MAX_IMPORT_ROWS} rows.` }),
      dryRun: t.arg.boolean({ required: false, defaultValue: false, description: 'Check and count only.' }),
    },
    resolve: (_r, args, ctx) => importNumbers(ctx, args.rows, { dryRun: args.dryRun ?? false }),
  }),
  purchaseNumber: t.field({
    type: PurchaseRef,
    description: 'N2: reserves one available number and creates its order; paying the order makes it ACTIVE.',
    args: {
      numberId: t.arg.globalID({ for: NumberRef }),
      qualificationId: t.arg.globalID({ for: QualificationRef }),
      callType: t.arg({ type: CallTypeEnum }),
      instanceId: t.arg.globalID({ required: false, description: 'A RUNNING call-center instance of the tenant the number is for.' }),
      autoRenew: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: async (_r, args, ctx) => {
      const { number, order } = await purchaseNumber(ctx, {
        numberId: args.numberId.id,
        qualificationId: args.qualificationId.id,
        callType: args.callType,
        instanceId: instanceIdArg(args.instanceId, 'instanceId'),
        autoRenew: args.autoRenew,
      });
      return { number, order };
    },
  }),
  setAutoRenew: t.field({
    type: NumberRef,
    args: { numberId: t.arg.globalID({ for: NumberRef }), autoRenew: t.arg.boolean() },
    resolve: (_r, args, ctx) => setAutoRenew(ctx, args.numberId.id, args.autoRenew),
  }),
  renewNumber: t.field({
    type: OrderRef,
    description: 'N4: an UNPAID renewal order for an ACTIVE number, or an EXPIRED one in its grace period.',
    args: { numberId: t.arg.globalID({ for: NumberRef }), months: t.arg.int({ required: false, defaultValue: 1 }) },
    resolve: (_r, args, ctx) => renewNumber(ctx, args.numberId.id, args.months ?? 1),
  }),
}));

const NumberStatusChange = builder.objectRef<StoredEvent>('NumberStatusChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    numberId: t.globalID({ resolve: (e) => ({ type: 'Number', id: e.subjectId }) }),
    number: t.field({ type: NumberRef, nullable: true, description: 'null when the number is no longer visible (released to stock is visible).', resolve: (e) => e.subjectId }),
    e164: t.string({ resolve: (e) => e.payload.e164 as string }),
    status: t.field({ type: NumberStatusEnum, resolve: (e) => e.payload.status as NumberStatus }),
    previousStatus: t.field({ type: NumberStatusEnum, nullable: true, resolve: (e) => (e.payload.previousStatus as NumberStatus | null) ?? null }),
    reason: t.string({
      nullable: true,
      description: 'RESERVED_FOR_ORDER, ORDER_PAID, ORDER_CANCELLED, RESERVATION_EXPIRED, NOT_RENEWED, INSUFFICIENT_BALANCE, RENEWED, GRACE_ENDED, …',
      resolve: (e) => (e.payload.reason as string | null) ?? null,
    }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('numberStatusChanged', {
  type: NumberStatusChange,
  eventType: 'NUMBER_STATUS_CHANGED',
  description: 'Status changes of the numbers the key may see (own tenant; OPERATOR: all), replayed after `after`, then live.',
  afterDescription: 'The cursor of the last change received.',
});
