import { builder } from '../../graphql/builder.js';
import { ValidationError } from '../../errors.js';
import { textLength } from '../../shared/text.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { scopedFrom, visibleTenants } from '../../access/scope.js';
import { ROLES } from '../../access/actor.js';
import type { ApiKey, Tenant, User } from './tenants.table.js';
import { createApiKey, createTenant, createUser, revokeApiKey } from './tenants.service.js';

export const RoleEnum = builder.enumType('Role', { values: ROLES });

export const TenantRef = builder.loadableNode('Tenant', {
  id: { resolve: (t: Tenant) => t.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'tenants', ids),
  sort: (t) => t.id,
  fields: (t) => ({
    name: t.exposeString('name'),
    timeZone: t.exposeString('time_zone'),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const UserRef = builder.loadableNode('User', {
  id: { resolve: (u: User) => u.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'users', ids),
  sort: (u) => u.id,
  fields: (t) => ({
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    role: t.field({ type: RoleEnum, resolve: (u) => u.role }),
    tenant: t.field({ type: TenantRef, nullable: true, resolve: (u) => u.tenant_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

export const ApiKeyRef = builder.loadableNode('ApiKey', {
  id: { resolve: (k: ApiKey) => k.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'api_keys', ids),
  sort: (k) => k.id,
  fields: (t) => ({
    prefix: t.exposeString('prefix', { description: 'Shown in lists to recognise a key; the secret is never shown again.' }),
    label: t.exposeString('label', { nullable: true }),
    role: t.field({ type: RoleEnum, resolve: (k) => k.role }),
    user: t.field({ type: UserRef, resolve: (k) => k.user_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    expiresAt: t.expose('expires_at', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revoked_at', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('last_used_at', { type: 'DateTime', nullable: true }),
  }),
});

builder.objectField(TenantRef, 'users', (t) =>
  t.connection({
    type: UserRef,
    authScopes: { authenticated: true },
    resolve: (tenant, args, ctx) =>
      keysetConnection(args, scopedFrom(ctx, 'users').selectAll().where('users.tenant_id', '=', tenant.id), 'users'),
  }),
);

const Viewer = builder.simpleObject('Viewer', {
  fields: (t) => ({
    role: t.field({ type: RoleEnum }),
    userId: t.id({ nullable: true }),
    tenantId: t.id({ nullable: true }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: Viewer,
    description: 'Who the presented key is.',
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => ({ role: ctx.actor!.role, userId: ctx.actor!.userId, tenantId: ctx.actor!.tenantId }),
  }),
  tenants: t.connection({
    type: TenantRef,
    authScopes: { authenticated: true },
    resolve: (_r, args, ctx) => keysetConnection(args, visibleTenants(ctx).selectAll(), 'tenants'),
  }),
  apiKeys: t.connection({
    type: ApiKeyRef,
    description: 'Keys visible to the caller, newest first; filter by prefix.',
    authScopes: { authenticated: true },
    args: { prefix: t.arg.string({ required: false }) },
    resolve: (_r, args, ctx) => {
      let q = scopedFrom(ctx, 'api_keys').selectAll();
      if (args.prefix) q = q.where('api_keys.prefix', 'like', `${args.prefix.replace(/[%_\\]/g, '')}%`);
      return keysetConnection(args, q, 'api_keys');
    },
  }),
}));

const CreatedKey = builder.simpleObject('CreatedApiKey', {
  description: 'A new key. `secret` is shown this once and is never retrievable again.',
  fields: (t) => ({ secret: t.string(), key: t.field({ type: ApiKeyRef }) }),
});

builder.mutationFields((t) => ({
  createTenant: t.field({
    type: TenantRef,
    args: {
      name: t.arg.string({ validate: textLength(200, 1) }),
      timeZone: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => createTenant(ctx, { name: args.name, timeZone: args.timeZone ?? undefined }),
  }),
  createUser: t.field({
    type: UserRef,
    args: {
      tenantId: t.arg.globalID({ required: false, for: TenantRef }),
      name: t.arg.string({ validate: textLength(200, 1) }),
      email: t.arg.string({ validate: { email: true } }),
      role: t.arg({ type: RoleEnum }),
    },
    resolve: (_r, args, ctx) =>
      createUser(ctx, {
        tenantId: args.tenantId?.id ?? (args.role === 'OPERATOR' ? null : ctx.actor!.tenantId),
        name: args.name,
        email: args.email,
        role: args.role,
      }),
  }),
  createApiKey: t.field({
    type: CreatedKey,
    args: {
      userId: t.arg.globalID({ for: UserRef }),
      label: t.arg.string({ required: false, validate: textLength(200) }),
      expiresAt: t.arg({ type: 'DateTime', required: false }),
      appId: t.arg.globalID({ required: false, description: 'A PARTNER key of this privacy app of the user’s tenant: it reads and acts for that app only.' }),
    },
    resolve: async (_r, args, ctx) => {
      if (args.appId && args.appId.typename !== 'PrivacyApp') throw new ValidationError('appId', 'appId is the id of a PrivacyApp', 'INVALID_ID');
      const issued = await createApiKey(ctx, { userId: args.userId.id, label: args.label, expiresAt: args.expiresAt, appId: args.appId?.id });
      return { secret: issued.secret, key: issued.key };
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    args: { id: t.arg.globalID({ for: ApiKeyRef }) },
    resolve: (_r, args, ctx) => revokeApiKey(ctx, args.id.id),
  }),
}));
