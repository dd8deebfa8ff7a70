// V1, V2: voice apps, their numbers, minute packages and their use in GraphQL.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { scopedFrom } from '../../access/scope.js';
import { formatMoney } from '../billing/money.js';
import { OrderRef } from '../billing/billing.graphql.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { NumberRef } from '../numbers/numbers.graphql.js';
import { nationalFormat } from '../numbers/numbers.phone.js';
import { QualificationRef } from '../qualifications/qualifications.graphql.js';
import { ApiKeyRef, TenantRef } from '../tenants/tenants.graphql.js';
import { createVoiceApp, findVoiceApp, voiceAppsQuery } from './voice.apps.js';
import { MAX_OPEN_NUMBERS, openVoiceNumbers, voiceNumbersQuery } from './voice.numbers.js';
import { buyVoicePackage, FIXED_PACKAGE_NAMES, MAX_CUSTOM_MINUTES, voicePackageQuote, voicePackagesQuery, type VoicePackageQuote } from './voice.packages.js';
import { MAX_USAGE_DAYS, packageRunOut, packageUsagePerDay, type UsageDay } from './voice.packages.usage.js';
import { VOICE_PACKAGE_KINDS, type VoiceApp, type VoiceNumber, type VoicePackage } from './voice.table.js';
import type { Order } from '../billing/billing.table.js';

export const VoiceAppRef = builder.loadableNode('VoiceApp', {
  description: 'V1: a voice-message app: its numbers (openVoiceNumbers) and PARTNER keys of its own (createApiKey with appId).',
  id: { resolve: (a: VoiceApp) => a.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'voice_apps', ids),
  sort: (a) => a.id,
  fields: (t) => ({
    name: t.exposeString('name'),
    statusUrl: t.exposeString('status_url', { nullable: true, description: 'Where the outcome of the app’s messages is pushed.' }),
    qualification: t.field({ type: QualificationRef, nullable: true, description: 'The APPROVED STANDARD qualification (Q2); not for PARTNER keys.', resolve: (a) => a.qualification_id }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (a) => a.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const VoiceNumberRef = builder.loadableNode('VoiceNumber', {
  description: 'V1: a number opened for a voice app; closed once unsubscribed (no fee from the next month on).',
  id: { resolve: (v: VoiceNumber) => v.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'voice_numbers', ids),
  sort: (v) => v.id,
  fields: (t) => ({
    e164: t.exposeString('e164'),
    nationalFormat: t.string({ resolve: (v) => nationalFormat(v.e164) }),
    app: t.field({ type: VoiceAppRef, nullable: true, resolve: (v) => v.app_id }),
    number: t.field({ type: NumberRef, nullable: true, description: 'The inventory number (unsubscribe it with unsubscribeNumbers); not for PARTNER keys.', resolve: (v) => v.number_id }),
    order: t.field({ type: OrderRef, nullable: true, description: 'The order that opened it; not for PARTNER keys.', resolve: (v) => v.order_id }),
    open: t.boolean({ resolve: (v) => v.closed_at === null }),
    openedAt: t.expose('opened_at', { type: 'DateTime' }),
    closedAt: t.expose('closed_at', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

const VoicePackageKindEnum = builder.enumType('VoicePackageKind', { values: VOICE_PACKAGE_KINDS });
const FixedPackageEnum = builder.enumType('VoiceFixedPackage', {
  values: FIXED_PACKAGE_NAMES,
  description: 'V2, seed 004: 10 000 min for 1 050 CNY, 100 000 for 10 000, 500 000 for 47 500, 1 000 000 for 90 000, 3 000 000 for 255 000.',
});

export const VoicePackageRef = builder.loadableNode('VoicePackage', {
  description: 'V2: a prepaid minute package of the tenant: total, remaining (reserved: held by queued messages), expiry.',
  id: { resolve: (p: VoicePackage) => p.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'voice_packages', ids),
  sort: (p) => p.id,
  fields: (t) => ({
    kind: t.field({ type: VoicePackageKindEnum, resolve: (p) => p.kind }),
    tariffCode: t.exposeString('tariff_code'),
    totalMinutes: t.exposeInt('total_minutes'),
    remainingMinutes: t.exposeInt('remaining_minutes'),
    reservedMinutes: t.exposeInt('reserved_minutes', { description: 'Of the remaining minutes, those held by queued messages (V3).' }),
    usedMinutes: t.int({ resolve: (p) => p.total_minutes - p.remaining_minutes }),
    unitPrice: t.field({ type: 'Decimal', resolve: (p) => p.unit_price }),
    price: t.field({ type: 'Decimal', resolve: (p) => p.price }),
    purchasedAt: t.expose('purchased_at', { type: 'DateTime' }),
    expiresAt: t.expose('expires_at', { type: 'DateTime' }),
    expired: t.boolean({ resolve: (p, _a, ctx) => p.expires_at <= ctx.clock.now() }),
    order: t.field({ type: OrderRef, nullable: true, resolve: (p) => p.order_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

builder.objectFields(VoiceAppRef, (t) => ({
  numbers: t.connection({
    type: VoiceNumberRef,
    authScopes: { authenticated: true },
    args: { openOnly: t.arg.boolean({ required: false }) },
    resolve: (app, args, ctx) => keysetConnection(args, voiceNumbersQuery(ctx, { appId: app.id, openOnly: args.openOnly }), 'voice_numbers'),
  }),
  partnerKeys: t.connection({
    type: ApiKeyRef,
    description: 'The PARTNER keys of this app (createApiKey with appId); visible to the keys that may read keys.',
    authScopes: { authenticated: true },
    resolve: (app, args, ctx) => keysetConnection(args, scopedFrom(ctx, 'api_keys').selectAll().where('api_keys.app_id', '=', app.id), 'api_keys'),
  }),
}));

const QuoteRef = builder.objectRef<VoicePackageQuote>('VoicePackageQuote').implement({
  description: 'V2: what a package costs before buying it, priced exactly as the purchase is.',
  fields: (t) => ({
    kind: t.field({ type: VoicePackageKindEnum, resolve: (q) => q.kind }),
    fixedPackage: t.field({ type: FixedPackageEnum, nullable: true, resolve: (q) => q.fixedPackage }),
    tariffCode: t.exposeString('tariffCode'),
    minutes: t.exposeInt('minutes'),
    unitPrice: t.field({ type: 'Decimal', description: 'CNY per minute (a fixed package: its price over its minutes).', resolve: (q) => formatMoney(q.unitPrice) }),
    price: t.field({ type: 'Decimal', resolve: (q) => formatMoney(q.price) }),
  }),
});

const UsageDayRef = builder.objectRef<UsageDay>('PackageUsageDay').implement({
  description: 'V2: minutes taken from the tenant’s packages on one day (tenant’s time zone).',
  fields: (t) => ({ day: t.field({ type: 'Date', resolve: (d) => d.day }), minutes: t.exposeInt('minutes') }),
});

const OpenedRef = builder.objectRef<{ order: Order; numbers: VoiceNumber[] }>('VoiceNumbersOpened').implement({
  description: 'V1: the paid order (the opening month’s fee per number) and the numbers opened.',
  fields: (t) => ({
    order: t.field({ type: OrderRef, resolve: (r) => r.order }),
    numbers: t.field({ type: [VoiceNumberRef], resolve: (r) => r.numbers }),
  }),
});

const VoiceAppInput = builder.inputType('VoiceAppInput', {
  fields: (t) => ({
    name: t.string({ description: '1 to 100 characters, unique in the tenant.' }),
    qualificationId: t.globalID({ for: QualificationRef, required: false, description: 'An APPROVED STANDARD qualification; default: the tenant’s most recently approved one.' }),
    statusUrl: t.string({ required: false }),
  }),
});

const OpenNumbersInput = builder.inputType('OpenVoiceNumbersInput', {
  fields: (t) => ({
    appId: t.globalID({ for: VoiceAppRef }),
    count: t.int({ description: `1 to ${MAX_OPEN_NUMBERS}.` }),
    province: t.string({ required: false }),
    city: t.string({ required: false }),
  }),
});

const BuyPackageInput = builder.inputType('BuyVoicePackageInput', {
  description: 'One of minutes (a custom package) or fixedPackage.',
  fields: (t) => ({
    minutes: t.int({ required: false, description: `Custom: at least 1 000, in steps of 1 000, at most ${MAX_CUSTOM_MINUTES}.` }),
    fixedPackage: t.field({ type: FixedPackageEnum, required: false }),
    voucherCode: t.string({ required: false, description: 'Always refused (VOUCHERS_NOT_ACCEPTED): voice packages are paid from the balance.' }),
  }),
});

builder.queryFields((t) => ({
  voiceApps: t.connection({
    type: VoiceAppRef,
    description: 'The voice apps the key may see (own tenant; a PARTNER key: its app; OPERATOR: all), newest first.',
    authScopes: { authenticated: true },
    resolve: (_r, args, ctx) => keysetConnection(args, voiceAppsQuery(ctx), 'voice_apps'),
  }),
  voiceApp: t.field({
    type: VoiceAppRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: VoiceAppRef }) },
    resolve: (_r, args, ctx) => findVoiceApp(ctx, args.id.id),
  }),
  voiceNumbers: t.connection({
    type: VoiceNumberRef,
    description: 'V1: voice numbers the key may see, newest first; by app, open ones only.',
    authScopes: { authenticated: true },
    args: { appId: t.arg.globalID({ for: VoiceAppRef, required: false }), openOnly: t.arg.boolean({ required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, voiceNumbersQuery(ctx, { appId: args.appId?.id, openOnly: args.openOnly }), 'voice_numbers'),
  }),
  voicePackageQuote: t.field({
    type: QuoteRef,
    description: 'V2: the tariff, unit price and price of a package: give minutes (custom) or fixedPackage.',
    authScopes: { authenticated: true },
    args: { minutes: t.arg.int({ required: false }), fixedPackage: t.arg({ type: FixedPackageEnum, required: false }) },
    resolve: (_r, args, ctx) => voicePackageQuote(ctx, args),
  }),
  voicePackages: t.connection({
    type: VoicePackageRef,
    description: 'V2: the tenant’s minute packages, newest first; activeOnly: unexpired with minutes left.',
    authScopes: { authenticated: true },
    args: { activeOnly: t.arg.boolean({ required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, voicePackagesQuery(ctx, args), 'voice_packages'),
  }),
  packageUsagePerDay: t.field({
    type: [UsageDayRef],
    description: `V2: minutes used per day over the last \`days\` days (1–${MAX_USAGE_DAYS}, today included, tenant’s zone), oldest first.`,
    authScopes: { authenticated: true },
    args: { days: t.arg.int({ required: false, defaultValue: 30 }) },
    resolve: (_r, args, ctx) => packageUsagePerDay(ctx, args.days ?? 30),
  }),
  packageRunOut: t.field({
    type: 'Date',
    nullable: true,
    description: 'V2: the day the tenant’s minutes run out at the average rate of the last 7 days (packages used in expiry order); null when none were used lately or none are left.',
    authScopes: { authenticated: true },
    resolve: async (_r, _a, ctx) => (await packageRunOut(ctx)).date,
  }),
}));

builder.mutationFields((t) => ({
  createVoiceApp: t.field({
    type: VoiceAppRef,
    description: 'V1: a voice-message app, under an APPROVED STANDARD qualification of the tenant (Q2); its signing secret (C3) is in `secret`, this once.',
    args: { input: t.arg({ type: VoiceAppInput }) },
    resolve: (_r, { input }, ctx) => createVoiceApp(ctx, { ...input, qualificationId: input.qualificationId?.id ?? null }),
  }),
  openVoiceNumbers: t.field({
    type: OpenedRef,
    description: `V1: 1–${MAX_OPEN_NUMBERS} local or mobile numbers from stock for the app, paid from the balance with the opening month’s function fee (NOT_ENOUGH_NUMBERS, INSUFFICIENT_BALANCE: nothing written).`,
    args: { input: t.arg({ type: OpenNumbersInput }) },
    resolve: (_r, { input }, ctx) => openVoiceNumbers(ctx, { ...input, appId: input.appId.id }),
  }),
  buyVoicePackage: t.field({
    type: VoicePackageRef,
    description: 'V2: a minute package paid from the balance (its order is `order`); vouchers are refused.',
    args: { input: t.arg({ type: BuyPackageInput }) },
    resolve: (_r, { input }, ctx) => buyVoicePackage(ctx, input),
  }),
}));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event's payload, as the service wrote it
const payload = (e: StoredEvent, k: string): any => e.payload[k] ?? null;

const PackageUsageChangeRef = builder.objectRef<StoredEvent>('PackageUsageChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    package: t.field({ type: VoicePackageRef, nullable: true, resolve: (e) => payload(e, 'packageId') }),
    total: t.int({ resolve: (e) => payload(e, 'total') ?? 0 }),
    remaining: t.int({ resolve: (e) => payload(e, 'remaining') ?? 0 }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => payload(e, 'expiresAt') }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('packageUsageChanged', {
  type: PackageUsageChangeRef,
  eventType: 'PACKAGE_USAGE_CHANGED',
  description: 'V2, V3: a package’s remaining minutes whenever they change (bought, used), replayed after `after`, then live.',
});
