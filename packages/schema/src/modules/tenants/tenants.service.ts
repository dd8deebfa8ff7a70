import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { isOperator, SYSTEM, type Actor, type Role } from '../../access/actor.js';
import { findScoped, requireActor, scopedFrom, systemDb, validIds } from '../../access/scope.js';
import { generateKey, hashKey, prefixOf } from './keys.js';
import type { ApiKey, Tenant, User } from './tenants.table.js';

export async function createTenant(ctx: ServiceContext, input: { name: string; timeZone?: string }): Promise<Tenant> {
  if (!isOperator(ctx.actor) && ctx.actor) throw new ForbiddenError('only an OPERATOR creates tenants');
  const name = input.name.trim();
  if (!name) throw new ValidationError('name', 'name must not be empty');
  const timeZone = ianaTimeZone(input.timeZone ?? 'Asia/Shanghai');
  return inTransaction(ctx, async (tx) => {
    const t = await tx.trx
      .insertInto('tenants')
      .values({ name, time_zone: timeZone, created_at: tx.now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.emit({ type: 'TENANT_CREATED', tenantId: t.id, subjectId: t.id, payload: { name } });
    return t;
  });
}

export interface NewUser {
  tenantId: string | null;
  name: string;
  email: string;
  role: Role;
}

export async function createUser(ctx: ServiceContext, input: NewUser): Promise<User> {
  const actor = ctx.actor;
  if (actor && !isOperator(actor)) {
    if (actor.role !== 'TENANT_ADMIN') throw new ForbiddenError('a TENANT_ADMIN adds users to its own tenant');
    if (input.tenantId !== actor.tenantId) throw new NotFoundError('tenant', 'tenantId');
    if (input.role === 'OPERATOR') throw new ForbiddenError('only an OPERATOR creates OPERATOR users', 'role');
  }
  if ((input.role === 'OPERATOR') !== (input.tenantId === null))
    throw new ValidationError('tenantId', input.role === 'OPERATOR' ? 'OPERATOR users belong to no tenant' : 'tenantId is required for this role');
  if (!input.name.trim()) throw new ValidationError('name', 'name must not be empty');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) throw new ValidationError('email', 'email is not a valid address');
  if (input.tenantId) {
    const t = await scopedFrom(asSystem(ctx), 'tenants').select('tenants.id').where('tenants.id', '=', input.tenantId).executeTakeFirst();
    if (!t) throw new NotFoundError('tenant', 'tenantId');
  }
  return inTransaction(ctx, (tx) =>
    tx.trx
      .insertInto('users')
      .values({ tenant_id: input.tenantId, name: input.name.trim(), email: input.email, role: input.role, created_at: tx.now })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export interface IssuedKey {
  key: ApiKey;
  /** The secret, shown once. */
  secret: string;
}

export async function createApiKey(
  ctx: ServiceContext,
  input: { userId: string; label?: string | null; expiresAt?: Date | null; secret?: string; appId?: string | null },
): Promise<IssuedKey> {
  const user = await findScoped(asSystem(ctx), 'users', input.userId);
  if (!user) throw new NotFoundError('user', 'userId');
  if (input.appId && user.role !== 'PARTNER') throw new ValidationError('appId', 'only a PARTNER key belongs to an app');
  // a PARTNER key belongs to an app of its user's tenant: a privacy app or a voice app
  if (input.appId && !(await appOfTenant(ctx, input.appId, user.tenant_id!))) throw new NotFoundError('app', 'appId');
  const actor = ctx.actor;
  if (actor && !isOperator(actor) && (actor.role !== 'TENANT_ADMIN' || user.tenant_id !== actor.tenantId))
    throw new NotFoundError('user', 'userId');
  if (input.expiresAt && input.expiresAt <= ctx.clock.now()) throw new ValidationError('expiresAt', 'expiresAt must be in the future');
  const full = input.secret ?? generateKey().full;
  if (full.length < 16) throw new ValidationError('secret', 'a key must have at least 16 characters');
  const key = await inTransaction(ctx, (tx) =>
    tx.trx
      .insertInto('api_keys')
      .values({
        user_id: user.id,
        tenant_id: user.tenant_id,
        role: user.role,
        app_id: input.appId ?? null,
        prefix: prefixOf(full),
        secret_hash: hashKey(full),
        label: input.label ?? null,
        created_at: tx.now,
        expires_at: input.expiresAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return { key, secret: full };
}

/** A privacy or voice app of the tenant, by id (the apps a PARTNER key may belong to). */
async function appOfTenant(ctx: ServiceContext, appId: string, tenantId: string): Promise<boolean> {
  const id = validIds([appId])[0];
  if (!id) return false;
  const sys = asSystem(ctx);
  const privacy = await scopedFrom(sys, 'privacy_apps').select('id').where('privacy_apps.id', '=', id).where('privacy_apps.tenant_id', '=', tenantId).executeTakeFirst();
  if (privacy) return true;
  return !!(await scopedFrom(sys, 'voice_apps').select('id').where('voice_apps.id', '=', id).where('voice_apps.tenant_id', '=', tenantId).executeTakeFirst());
}

export async function revokeApiKey(ctx: ServiceContext, id: string): Promise<ApiKey> {
  requireActor(ctx.actor ?? SYSTEM);
  return inTransaction(ctx, async (tx) => {
    const visible = await scopedFrom({ db: tx.trx, actor: ctx.actor ?? SYSTEM }, 'api_keys').select('id').where('id', '=', id).executeTakeFirst();
    if (!visible) throw new NotFoundError('API key');
    if (ctx.actor && ctx.actor.role !== 'OPERATOR' && ctx.actor.role !== 'TENANT_ADMIN') throw new ForbiddenError();
    const key = await tx.trx
      .updateTable('api_keys')
      .set({ revoked_at: tx.now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!key) throw new NotFoundError('active API key');
    await tx.emit({ type: 'API_KEY_REVOKED', tenantId: key.tenant_id, subjectId: key.id, payload: { prefix: key.prefix } });
    return key;
  });
}

/** The system acting (CLI, jobs): operator powers, no user. */
export { SYSTEM };

/** Resolves a presented key to its actor, or null when unknown, revoked or expired. */
export async function authenticate(ctx: Pick<ServiceContext, 'db' | 'clock'>, presented: string): Promise<Actor | null> {
  return (await resolveKeyHash(ctx, hashKey(presented.trim())))?.actor ?? null;
}

/** A valid key: who it is, and until when it is valid (null: no expiry). */
export interface ResolvedKey {
  actor: Actor;
  expiresAt: Date | null;
}

/**
 * Resolves a key by its hash (`hashKey` of the presented key), or null when unknown, revoked or
 * expired. The use is recorded at most once a minute, so that a busy key does not write on every
 * request, and in the same statement as the look-up, so that it costs no round trip of its own.
 */
export async function resolveKeyHash(ctx: Pick<ServiceContext, 'db' | 'clock'>, secretHash: string): Promise<ResolvedKey | null> {
  const now = ctx.clock.now();
  const key = await systemDb(ctx)
    .with('k', (db) =>
      db.selectFrom('api_keys').select(['id', 'user_id', 'role', 'tenant_id', 'app_id', 'expires_at', 'revoked_at']).where('secret_hash', '=', secretHash),
    )
    .with('touched', (db) =>
      db
        .updateTable('api_keys')
        .set({ last_used_at: now })
        .where('secret_hash', '=', secretHash)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(now.getTime() - 60_000))])),
    )
    .selectFrom('k')
    .selectAll()
    .executeTakeFirst();
  if (!key || key.revoked_at || (key.expires_at && key.expires_at <= now)) return null;
  return { actor: { keyId: key.id, userId: key.user_id, role: key.role, tenantId: key.tenant_id, appId: key.app_id }, expiresAt: key.expires_at };
}

/** Of the given key ids, those no longer valid (revoked, expired or deleted): their sockets are closed. */
export async function invalidKeyIds(ctx: Pick<ServiceContext, 'db' | 'clock'>, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const now = ctx.clock.now();
  const rows = await systemDb(ctx).selectFrom('api_keys').select(['id', 'revoked_at', 'expires_at']).where('id', 'in', ids).execute();
  const valid = new Set(rows.filter((k) => !k.revoked_at && !(k.expires_at && k.expires_at <= now)).map((k) => k.id));
  return ids.filter((id) => !valid.has(id));
}

/** Without a key (CLI, bootstrap, tests' setup) a service reads as the system does. */
function asSystem(ctx: ServiceContext): ServiceContext {
  return ctx.actor ? ctx : { ...ctx, actor: SYSTEM };
}

/** M2: months are counted in the tenant's zone, so it must be a zone the calendar knows (IANA, e.g. Asia/Shanghai). */
function ianaTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new ValidationError('timeZone', `'${zone}' is not an IANA time zone (e.g. Asia/Shanghai)`);
  }
}
