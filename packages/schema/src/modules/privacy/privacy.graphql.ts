// P1, P4, P6: privacy apps, their secrets and pools in GraphQL.
import { builder } from '../../graphql/builder.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { scopedFrom } from '../../access/scope.js';
import { ApiKeyRef, TenantRef } from '../tenants/tenants.graphql.js';
import { NumberRef } from '../numbers/numbers.graphql.js';
import { nationalFormat } from '../numbers/numbers.phone.js';
import {
  createPrivacyApp,
  DEFAULT_SECRET_OVERLAP_SECONDS,
  findPrivacyApp,
  MAX_POOL_BATCH,
  moveNumbersToPool,
  poolNumbersQuery,
  poolUsageOf,
  privacyAppsQuery,
  quotasOf,
  rotateAppSecret,
  transferNumbers,
  updatePrivacyApp,
  type CityUsage,
  type IssuedAppSecret,
  type TransferResult,
  type XQuota,
} from './privacy.service.js';
import { PRIVACY_MODES, type PoolNumber, type PrivacyApp } from './privacy.table.js';

export const PrivacyModeEnum = builder.enumType('PrivacyMode', {
  values: PRIVACY_MODES,
  description: 'P2: AXB (A↔B through X), AX (anyone calling X reaches A), AXE (X plus an extension reaches A), X (each call asks the call-control URL).',
});

export const PoolCityUsageRef = builder.objectRef<CityUsage>('PoolCityUsage').implement({
  description: 'P1: one city of an app’s pool: numbers in it, those with an active binding, the others.',
  fields: (t) => ({
    province: t.exposeString('province'),
    city: t.exposeString('city'),
    total: t.exposeInt('total'),
    bound: t.exposeInt('bound'),
    free: t.exposeInt('free'),
  }),
});

const XQuotaRef = builder.objectRef<XQuota>('XQuota').implement({
  description: 'P4: the bind quota of an X: AXB 5 000 pairs, AX 1 binding, AXE one per extension; X mode none.',
  fields: (t) => ({
    bound: t.exposeInt('bound', { description: 'Active bindings on this X.' }),
    limit: t.exposeInt('limit', { nullable: true }),
    remaining: t.exposeInt('remaining', { nullable: true }),
  }),
});

export const PrivacyAppRef = builder.loadableNode('PrivacyApp', {
  description: 'A privacy-number app (P1): one mode for life, callback URLs, a signing secret, a pool of numbers per city, PARTNER keys of its own.',
  id: { resolve: (a: PrivacyApp) => a.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'privacy_apps', ids),
  sort: (a) => a.id,
  fields: (t) => ({
    name: t.exposeString('name'),
    mode: t.field({ type: PrivacyModeEnum, resolve: (a) => a.mode }),
    extensionLength: t.exposeInt('extension_length', { nullable: true, description: 'AXE apps: 1–4 digits (P6).' }),
    statusUrl: t.exposeString('status_url', { nullable: true, description: 'Call states are pushed here.' }),
    cdrUrl: t.exposeString('cdr_url', { nullable: true, description: 'CDRs are pushed here (C3).' }),
    smsUrl: t.exposeString('sms_url', { nullable: true }),
    callControlUrl: t.exposeString('call_control_url', { nullable: true, description: 'X mode: asked where to connect each call.' }),
    callControlTimeoutMs: t.exposeInt('call_control_timeout_ms'),
    callControlFallback: t.exposeString('call_control_fallback_e164', { nullable: true, description: 'X mode: connected when the call-control URL does not answer in time; null: the call is rejected.' }),
    secretCreatedAt: t.expose('secret_created_at', { type: 'DateTime', description: 'When the current signing secret was made; secrets are shown once.' }),
    previousSecretValidUntil: t.expose('previous_secret_valid_until', { type: 'DateTime', nullable: true, description: 'After a rotation, the previous secret signs and is accepted until then.' }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (a) => a.tenant_id }),
    poolUsage: t.loadableGroup({
      type: PoolCityUsageRef,
      description: 'P1: per city, total / bound / free (empty for X-mode apps).',
      load: (ids: string[], ctx) => poolUsageOf(ctx, ids),
      group: (u) => (u as CityUsage).app_id,
      resolve: (a) => a.id,
    }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const PoolNumberRef = builder.loadableNode('PoolNumber', {
  description: 'A number (X) in an app’s pool (P1), with its bind quota (P4).',
  id: { resolve: (p: PoolNumber) => p.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'privacy_pool_numbers', ids),
  sort: (p) => p.id,
  fields: (t) => ({
    e164: t.exposeString('e164'),
    nationalFormat: t.string({ resolve: (p) => nationalFormat(p.e164) }),
    province: t.exposeString('province'),
    city: t.exposeString('city'),
    app: t.field({ type: PrivacyAppRef, nullable: true, resolve: (p) => p.app_id }),
    number: t.field({ type: NumberRef, nullable: true, description: 'The inventory number (not for PARTNER keys).', resolve: (p) => p.number_id }),
    quota: t.loadable({
      type: XQuotaRef,
      nullable: true,
      load: (ids: string[], ctx) => quotasOf(ctx, ids),
      sort: (q) => q.number_id,
      resolve: (p) => p.number_id,
    }),
    addedAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

builder.objectFields(PrivacyAppRef, (t) => ({
  poolNumbers: t.connection({
    type: PoolNumberRef,
    authScopes: { authenticated: true },
    args: { city: t.arg.string({ required: false }) },
    resolve: (app, args, ctx) => keysetConnection(args, poolNumbersQuery(ctx, { appId: app.id, city: args.city }), 'privacy_pool_numbers'),
  }),
  partnerKeys: t.connection({
    type: ApiKeyRef,
    description: 'The PARTNER keys of this app (createApiKey with appId); visible to the keys that may read keys.',
    authScopes: { authenticated: true },
    resolve: (app, args, ctx) => keysetConnection(args, scopedFrom(ctx, 'api_keys').selectAll().where('api_keys.app_id', '=', app.id), 'api_keys'),
  }),
}));

const CreatedAppRef = builder.objectRef<IssuedAppSecret>('CreatedPrivacyApp').implement({
  description: 'A new app and its signing secret: shown this once, never readable again.',
  fields: (t) => ({ app: t.field({ type: PrivacyAppRef, resolve: (r) => r.app }), secret: t.exposeString('secret') }),
});

const RotatedRef = builder.objectRef<IssuedAppSecret>('RotatedAppSecret').implement({
  description: 'The new signing secret, shown this once; the previous one stays valid until previousValidUntil.',
  fields: (t) => ({
    app: t.field({ type: PrivacyAppRef, resolve: (r) => r.app }),
    secret: t.exposeString('secret'),
    previousValidUntil: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.previousValidUntil }),
  }),
});

const TransferResultRef = builder.objectRef<TransferResult>('PoolTransferResult').implement({
  description: 'P6: what happened to one number of a transfer.',
  fields: (t) => ({
    numberId: t.globalID({ resolve: (r) => ({ type: 'Number', id: r.numberId }) }),
    e164: t.exposeString('e164', { nullable: true }),
    poolNumber: t.field({ type: PoolNumberRef, nullable: true, resolve: (r) => r.poolNumberId }),
    moved: t.exposeBoolean('moved'),
    reasonCode: t.exposeString('reasonCode', { nullable: true, description: 'NOT_IN_POOL, NOT_IN_SOURCE_APP, ALREADY_IN_APP, ACTIVE_BINDINGS.' }),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

const AppInput = builder.inputType('PrivacyAppInput', {
  fields: (t) => ({
    name: t.string(),
    mode: t.field({ type: PrivacyModeEnum, description: 'Fixed for the app’s life.' }),
    extensionLength: t.int({ required: false, description: 'AXE only: 1–4.' }),
    statusUrl: t.string({ required: false }),
    cdrUrl: t.string({ required: false }),
    smsUrl: t.string({ required: false }),
    callControlUrl: t.string({ required: false, description: 'X mode: required.' }),
    callControlTimeoutMs: t.int({ required: false }),
    callControlFallback: t.string({ required: false }),
  }),
});

const AppUpdateInput = builder.inputType('PrivacyAppUpdateInput', {
  description: 'The mode and extension length never change (P6: transfer the numbers to another app instead).',
  fields: (t) => ({
    name: t.string({ required: false }),
    statusUrl: t.string({ required: false }),
    cdrUrl: t.string({ required: false }),
    smsUrl: t.string({ required: false }),
    callControlUrl: t.string({ required: false }),
    callControlTimeoutMs: t.int({ required: false }),
    callControlFallback: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  privacyApps: t.connection({
    type: PrivacyAppRef,
    description: 'The apps the key may see (own tenant; a PARTNER key: its app; OPERATOR: all), newest first.',
    authScopes: { authenticated: true },
    args: { mode: t.arg({ type: PrivacyModeEnum, required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, privacyAppsQuery(ctx, args), 'privacy_apps'),
  }),
  privacyApp: t.field({
    type: PrivacyAppRef,
    nullable: true,
    description: 'null when the id is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: PrivacyAppRef }) },
    resolve: (_r, args, ctx) => findPrivacyApp(ctx, args.id.id),
  }),
  poolNumbers: t.connection({
    type: PoolNumberRef,
    description: 'Pool numbers the key may see, newest first; by app and city.',
    authScopes: { authenticated: true },
    args: { appId: t.arg.globalID({ for: PrivacyAppRef, required: false }), city: t.arg.string({ required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, poolNumbersQuery(ctx, { appId: args.appId?.id, city: args.city }), 'privacy_pool_numbers'),
  }),
}));

builder.mutationFields((t) => ({
  createPrivacyApp: t.field({
    type: CreatedAppRef,
    description: 'P1, P2, P6: a new app; its signing secret is in the answer, once.',
    args: { input: t.arg({ type: AppInput }) },
    resolve: (_r, { input }, ctx) => createPrivacyApp(ctx, input),
  }),
  updatePrivacyApp: t.field({
    type: PrivacyAppRef,
    args: { id: t.arg.globalID({ for: PrivacyAppRef }), input: t.arg({ type: AppUpdateInput }) },
    resolve: (_r, args, ctx) => updatePrivacyApp(ctx, args.id.id, args.input),
  }),
  rotateAppSecret: t.field({
    type: RotatedRef,
    description: `P1: a new signing secret, shown once; the previous one stays valid for overlapSeconds (default ${DEFAULT_SECRET_OVERLAP_SECONDS}, at most 7 days).`,
    args: { appId: t.arg.globalID({ for: PrivacyAppRef }), overlapSeconds: t.arg.int({ required: false }) },
    resolve: (_r, args, ctx) => rotateAppSecret(ctx, args.appId.id, args.overlapSeconds ?? undefined),
  }),
  moveNumbersToPool: t.field({
    type: [PoolNumberRef],
    description: `P1: up to ${MAX_POOL_BATCH} ACTIVE local or mobile numbers of the tenant join the app's pool (never a 400 number: N5).`,
    args: { appId: t.arg.globalID({ for: PrivacyAppRef }), numberIds: t.arg.globalIDList({ for: NumberRef }) },
    resolve: (_r, args, ctx) => moveNumbersToPool(ctx, args.appId.id, args.numberIds.map((g) => g.id)),
  }),
  transferNumbers: t.field({
    type: [TransferResultRef],
    description: 'P6: moves pool numbers to the app `appId` (e.g. to change the AXE extension length), a result per number; a number with active bindings stays.',
    args: {
      appId: t.arg.globalID({ for: PrivacyAppRef, description: 'The app the numbers go to.' }),
      numberIds: t.arg.globalIDList({ for: NumberRef }),
      fromAppId: t.arg.globalID({ for: PrivacyAppRef, required: false, description: 'When given, only numbers of this app’s pool move.' }),
    },
    resolve: (_r, args, ctx) => transferNumbers(ctx, args.appId.id, args.numberIds.map((g) => g.id), args.fromAppId?.id),
  }),
}));
