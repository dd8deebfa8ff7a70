import { afterAll, beforeAll } from 'vitest';
import {
  composeModules,
  createApiKey,
  createEventBus,
  createTenant,
  createUser,
  defaultSettings,
  ManualClock,
  SYSTEM,
  type Actor,
  type Role,
  type ServiceContext,
} from '@callplane/schema';
import { openTestDatabase } from './db.js';

export interface TenantFixture {
  tenantId: string;
  admin: Actor;
  supervisor: Actor;
  partner: Actor;
  /** Plain keys, for HTTP and WebSocket tests. */
  keys: { admin: string; supervisor: string; partner: string };
}

/** A fresh database, a manual clock and an in-process bus: the world of a service test. */
export async function serviceWorld() {
  composeModules();
  const database = await openTestDatabase();
  const clock = new ManualClock(new Date('2026-11-25T02:00:00Z'));
  const bus = createEventBus();
  const ctx = (actor: Actor | null = SYSTEM): ServiceContext => ({ db: database.db, clock, bus, actor, settings: defaultSettings });
  return {
    ...database,
    clock,
    bus,
    ctx,
    operator: SYSTEM,
    /** A tenant with a TENANT_ADMIN, a SUPERVISOR and a PARTNER user, each with a key. */
    tenant: (name = 'Acme') => seedTenant(ctx(SYSTEM), name),
  };
}

export type ServiceWorld = Awaited<ReturnType<typeof serviceWorld>>;

/** The setup of most service tests: a service world with two tenants, Acme and Beta. */
export async function acmeAndBeta(): Promise<{ w: ServiceWorld; acme: TenantFixture; beta: TenantFixture }> {
  const w = await serviceWorld();
  return { w, acme: await w.tenant('Acme'), beta: await w.tenant('Beta') };
}

/** The same, as hooks of the calling test file: read `world.w`, `world.acme`, `world.beta` inside tests. */
export function withAcmeAndBeta(): { w: ServiceWorld; acme: TenantFixture; beta: TenantFixture } {
  const world = {} as { w: ServiceWorld; acme: TenantFixture; beta: TenantFixture };
  beforeAll(async () => void Object.assign(world, await acmeAndBeta()));
  afterAll(() => world.w?.drop());
  return world;
}

export async function seedTenant(system: ServiceContext, name: string): Promise<TenantFixture> {
  const tenant = await createTenant(system, { name });
  const make = async (role: Role) => {
    const user = await createUser(system, { tenantId: tenant.id, name: `${name} ${role.toLowerCase()}`, email: `${role.toLowerCase()}@${tenant.id.slice(0, 8)}.example`, role });
    const { key, secret } = await createApiKey(system, { userId: user.id });
    return { actor: { keyId: key.id, userId: user.id, role, tenantId: tenant.id } as Actor, secret };
  };
  const [admin, supervisor, partner] = [await make('TENANT_ADMIN'), await make('SUPERVISOR'), await make('PARTNER')];
  return {
    tenantId: tenant.id,
    admin: admin.actor,
    supervisor: supervisor.actor,
    partner: partner.actor,
    keys: { admin: admin.secret, supervisor: supervisor.secret, partner: partner.secret },
  };
}

export async function seedOperatorKey(system: ServiceContext): Promise<string> {
  const user = await createUser(system, { tenantId: null, name: 'Operator', email: 'ops@callplane.example', role: 'OPERATOR' });
  return (await createApiKey(system, { userId: user.id })).secret;
}
