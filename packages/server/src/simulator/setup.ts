// The simulator's keys, made by the system (like `pnpm callplane key create`): a PARTNER key per
// privacy app of the tenant (the app's switch) and a TENANT_ADMIN key for the instances' numbers.
// Everything else the simulator does goes through the API with these keys. Keys are labelled
// `simulator`, expire on their own (a killed run leaves nothing valid for long) and are revoked
// when the run ends: a secret is stored hashed, so a key cannot be picked up again by a later run.
import { createApiKey, createUser, NotFoundError, revokeApiKey, systemDb, ValidationError, type Role, type ServiceContext } from '@callplane/schema/core';
import { DEMO_TENANT } from '../demo.js';

export const SIMULATOR_LABEL = 'simulator';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SimulatorKeys {
  tenantId: string;
  tenantName: string;
  /** TENANT_ADMIN: instance calls, agents back to READY. */
  admin: string;
  /** One PARTNER key per privacy app that routes from stored bindings (X-mode apps ask their own call control). */
  apps: { mode: string; name: string; key: string }[];
  /** V3: one PARTNER key per voice app with an open number (its switch sends and reports messages). */
  voiceApps?: { id: string; name: string; key: string }[];
}

/** The tenant: by id or exact name; default the demo tenant, else the first tenant with a privacy app. */
async function simulatedTenant(ctx: ServiceContext, idOrName?: string) {
  const q = systemDb(ctx).selectFrom('tenants').select(['id', 'name']);
  if (idOrName) {
    const rows = await (UUID.test(idOrName) ? q.where('id', '=', idOrName) : q.where('name', '=', idOrName)).execute();
    if (!rows.length) throw new NotFoundError(`tenant '${idOrName}'`, 'tenant');
    if (rows.length > 1) throw new ValidationError('tenant', `${rows.length} tenants are named '${idOrName}': give the id`);
    return rows[0]!;
  }
  const demo = await q.where('name', '=', DEMO_TENANT).orderBy('created_at').executeTakeFirst();
  if (demo) return demo;
  const withApp = await q.where((eb) => eb.exists(eb.selectFrom('privacy_apps').select('privacy_apps.id').whereRef('privacy_apps.tenant_id', '=', 'tenants.id'))).orderBy('created_at').executeTakeFirst();
  if (!withApp) throw new ValidationError('tenant', 'no tenant has a privacy app: seed the demo (pnpm callplane seed-demo) or name one with --tenant');
  return withApp;
}

/** The simulator's user of that role (and app), made on the first run and reused after. */
async function simulatorUser(ctx: ServiceContext, tenantId: string, role: Role, appId?: string) {
  const email = `simulator.${appId ? appId.slice(0, 8) : role.toLowerCase().replace('_', '-')}@${tenantId.slice(0, 8)}.callplane.local`;
  const existing = await systemDb(ctx).selectFrom('users').select('id').where('tenant_id', '=', tenantId).where('email', '=', email).executeTakeFirst();
  return existing ?? createUser(ctx, { tenantId, role, email, name: appId ? 'Traffic simulator (switch)' : 'Traffic simulator' });
}

/** Mints the run's keys; `revoke()` ends them. */
export async function mintSimulatorKeys(ctx: ServiceContext, opts: { tenant?: string; validForSeconds: number }) {
  const tenant = await simulatedTenant(ctx, opts.tenant);
  const expiresAt = new Date(ctx.clock.now().getTime() + opts.validForSeconds * 1000);
  const minted: string[] = [];
  const mint = async (role: Role, appId?: string) => {
    const user = await simulatorUser(ctx, tenant.id, role, appId);
    const { key, secret } = await createApiKey(ctx, { userId: user.id, appId: appId ?? null, label: SIMULATOR_LABEL, expiresAt });
    minted.push(key.id);
    return secret;
  };
  const apps = await systemDb(ctx).selectFrom('privacy_apps').select(['id', 'mode', 'name']).where('tenant_id', '=', tenant.id).where('mode', '<>', 'X').orderBy('created_at').execute();
  const keys: SimulatorKeys = { tenantId: tenant.id, tenantName: tenant.name, admin: await mint('TENANT_ADMIN'), apps: [] };
  for (const app of apps) keys.apps.push({ mode: app.mode, name: app.name, key: await mint('PARTNER', app.id) });
  const voiceApps = await systemDb(ctx)
    .selectFrom('voice_apps')
    .select(['id', 'name'])
    .where('tenant_id', '=', tenant.id)
    .where((eb) => eb.exists(eb.selectFrom('voice_numbers').select('voice_numbers.id').whereRef('voice_numbers.app_id', '=', 'voice_apps.id').where('voice_numbers.closed_at', 'is', null)))
    .orderBy('created_at')
    .execute();
  keys.voiceApps = [];
  for (const app of voiceApps) keys.voiceApps.push({ id: app.id, name: app.name, key: await mint('PARTNER', app.id) });
  return {
    keys,
    async revoke() {
      for (const id of minted.splice(0)) await revokeApiKey(ctx, id).catch(() => {});
    },
  };
}
