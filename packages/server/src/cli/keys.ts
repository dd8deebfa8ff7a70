import { createApiKey, createUser, NotFoundError, revokeApiKey, ROLES, ValidationError, type Role, type ServiceContext } from '@callplane/schema/core';
import { prefixOf } from '@callplane/schema/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KeyCreateOptions {
  role: string;
  tenant?: string;
  name?: string;
  email?: string;
  label?: string;
  expiresInDays?: string;
}

/** A new user with one key; the secret is returned once. */
export async function createUserKey(ctx: ServiceContext, opts: KeyCreateOptions) {
  const role = opts.role.toUpperCase() as Role;
  if (!ROLES.includes(role)) throw new ValidationError('role', `role must be one of ${ROLES.join(', ')}`);
  if (role === 'OPERATOR' && opts.tenant) throw new ValidationError('tenant', 'an OPERATOR belongs to no tenant: leave out --tenant');
  if (role !== 'OPERATOR' && !opts.tenant) throw new ValidationError('tenant', `a ${role} key needs --tenant <id or exact name>`);
  const tenant = opts.tenant ? await findTenant(ctx, opts.tenant) : null;
  let expiresAt: Date | null = null;
  if (opts.expiresInDays !== undefined) {
    const days = Number(opts.expiresInDays);
    if (!Number.isFinite(days) || days <= 0) throw new ValidationError('expires-in-days', '--expires-in-days must be a positive number');
    expiresAt = new Date(ctx.clock.now().getTime() + days * 86_400_000);
  }
  const slug = (tenant?.name ?? 'callplane').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'tenant';
  const user = await createUser(ctx, {
    tenantId: tenant?.id ?? null,
    role,
    name: opts.name ?? `${role.toLowerCase().replace('_', ' ')} (CLI)`,
    email: opts.email ?? `${role.toLowerCase().replace('_', '-')}@${slug}.local`,
  });
  const { key, secret } = await createApiKey(ctx, { userId: user.id, label: opts.label ?? null, expiresAt });
  return { user, key, secret, tenant };
}

async function findTenant(ctx: ServiceContext, idOrName: string) {
  const q = ctx.db.selectFrom('tenants').select(['id', 'name']);
  const rows = UUID.test(idOrName) ? await q.where('id', '=', idOrName).execute() : await q.where('name', '=', idOrName).execute();
  if (!rows.length) throw new NotFoundError(`tenant '${idOrName}'`, 'tenant');
  if (rows.length > 1) throw new ValidationError('tenant', `${rows.length} tenants are named '${idOrName}': give the id (${rows.map((r) => r.id).join(', ')})`);
  return rows[0]!;
}

export function listKeys(ctx: ServiceContext, prefix?: string) {
  let q = ctx.db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .leftJoin('tenants as t', 't.id', 'k.tenant_id')
    .select(['k.id', 'k.prefix', 'k.role', 'k.label', 'k.created_at', 'k.expires_at', 'k.revoked_at', 'k.last_used_at', 'u.email', 't.name as tenant'])
    .orderBy('k.created_at');
  if (prefix) q = q.where('k.prefix', 'like', `${prefix.replace(/[%_\\]/g, '\\$&')}%`);
  return q.execute();
}

/** Revokes by key id, by listing prefix, or by the whole key. */
export async function revokeKey(ctx: ServiceContext, ref: string) {
  const prefix = ref.startsWith('cp_') ? prefixOf(ref) : ref;
  const rows = await ctx.db
    .selectFrom('api_keys')
    .select(['id', 'prefix', 'revoked_at'])
    .where((eb) => (UUID.test(ref) ? eb('id', '=', ref) : eb('prefix', '=', prefix)))
    .execute();
  if (!rows.length) throw new NotFoundError(`API key '${ref}'`, 'key');
  if (rows[0]!.revoked_at) throw new ValidationError('key', `key ${rows[0]!.prefix} was already revoked at ${rows[0]!.revoked_at.toISOString()}`);
  return revokeApiKey(ctx, rows[0]!.id);
}

export function formatKeyTable(rows: Awaited<ReturnType<typeof listKeys>>, now: Date): string {
  const status = (r: (typeof rows)[number]) =>
    r.revoked_at ? 'revoked' : r.expires_at && r.expires_at <= now ? 'expired' : 'active';
  const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');
  const table = [
    ['PREFIX', 'ROLE', 'STATUS', 'TENANT', 'USER', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED', 'ID'],
    ...rows.map((r) => [r.prefix, r.role, status(r), r.tenant ?? '-', r.email, r.label ?? '-', day(r.created_at), day(r.expires_at), day(r.last_used_at), r.id]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
