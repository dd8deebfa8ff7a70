import { sql } from 'kysely';
import { createApiKey, createTenant, createUser, type Actor, type Role, type ServiceContext } from '@callplane/schema/core';
import {
  creditCodeCheckCharacter,
  demoPrivacy,
  reviewQualification,
  submitQualification,
} from '@callplane/schema/core';
import { demoInstance } from './demo-instances.js';
import { demoNumbers } from './demo-numbers.js';
import { demoVoice } from './demo-voice.js';

export const DEMO_TENANT = 'Demo Telecom Ltd';

export interface DemoKey {
  role: Role;
  name: string;
  email: string;
  secret: string;
}

export interface DemoSeed {
  tenantId: string;
  tenantCreated: boolean;
  /** Keys of the users created by this run only (secrets are stored hashed: shown once). */
  keys: DemoKey[];
  /** One line per thing a seeding step added. */
  notes: string[];
}

/** Who acts in a demo step: the demo tenant's users, and an OPERATOR for reviews. */
export interface DemoWorld {
  tenantId: string;
  admin: Actor;
  supervisor: Actor;
  partner: Actor;
  operator: Actor;
}

/** A module's demo data. It checks what already exists itself (seeding runs on every start with CALLPLANE_DEMO=1); returns a note or null. */
export type DemoStep = (ctx: ServiceContext, world: DemoWorld) => Promise<string | null>;

const DEMO_USERS: { role: Role; name: string; email: string }[] = [
  { role: 'TENANT_ADMIN', name: 'Dana Admin', email: 'admin@demo-telecom.example' },
  { role: 'SUPERVISOR', name: 'Sam Supervisor', email: 'supervisor@demo-telecom.example' },
  { role: 'PARTNER', name: 'Partner System', email: 'partner@demo-telecom.example' },
];

const SEED_LOCK = 0x63706b32; // "cpk2"

/**
 * Seeds the demo tenant "Demo Telecom Ltd" with a TENANT_ADMIN, a SUPERVISOR and a PARTNER user,
 * each with a key, then runs every module's step of `demoSteps`. Idempotent: what exists is left
 * alone, so running it again adds nothing.
 */
export async function seedDemo(ctx: ServiceContext): Promise<DemoSeed> {
  // One seeder at a time (a server start and the CLI at once): the lock lives as long as this transaction.
  return ctx.db.transaction().execute(async (lock) => {
    await sql`select pg_advisory_xact_lock(${SEED_LOCK})`.execute(lock);
    const system: ServiceContext = { ...ctx, actor: null };
    const existing = await ctx.db.selectFrom('tenants').select('id').where('name', '=', DEMO_TENANT).orderBy('created_at').executeTakeFirst();
    const tenantId = existing?.id ?? (await createTenant(system, { name: DEMO_TENANT })).id;
    const seed: DemoSeed = { tenantId, tenantCreated: !existing, keys: [], notes: [] };
    const users = await ctx.db.selectFrom('users').select(['id', 'email']).where('tenant_id', '=', tenantId).execute();
    for (const u of DEMO_USERS) {
      if (users.some((x) => x.email === u.email)) continue;
      const user = await createUser(system, { tenantId, ...u });
      const { secret } = await createApiKey(system, { userId: user.id, label: 'demo' });
      seed.keys.push({ ...u, secret });
    }
    const world = await demoWorld(ctx, tenantId);
    for (const step of demoSteps) {
      const note = await step(system, world);
      if (note) seed.notes.push(note);
    }
    return seed;
  });
}

async function demoWorld(ctx: ServiceContext, tenantId: string): Promise<DemoWorld> {
  const users = await ctx.db.selectFrom('users').select(['id', 'email', 'role']).where('tenant_id', '=', tenantId).execute();
  const actor = (role: Role): Actor => {
    const u = users.find((x) => x.email === DEMO_USERS.find((d) => d.role === role)!.email)!;
    return { keyId: 'demo-seed', userId: u.id, role, tenantId };
  };
  const op = await ctx.db.selectFrom('users').select('id').where('role', '=', 'OPERATOR').orderBy('created_at').executeTakeFirst();
  return {
    tenantId,
    admin: actor('TENANT_ADMIN'),
    supervisor: actor('SUPERVISOR'),
    partner: actor('PARTNER'),
    operator: { keyId: 'demo-seed', userId: op?.id ?? null, role: 'OPERATOR', tenantId: null },
  };
}

const creditCode = (first17: string) => first17 + creditCodeCheckCharacter(first17);

/** Q1/Q2: an approved STANDARD qualification (so numbers can be bought) and a 400 one waiting for review. */
const demoQualifications: DemoStep = async (ctx, w) => {
  const any = await ctx.db.selectFrom('qualifications').select('id').where('tenant_id', '=', w.tenantId).executeTakeFirst();
  if (any) return null;
  const contact = { legalRepresentative: 'Li Wei', contactName: 'Zhang Min', contactMobile: '13800138000', contactEmail: 'ops@demo-telecom.example' };
  const standard = await submitQualification({ ...ctx, actor: w.admin }, {
    kind: 'STANDARD',
    companyName: DEMO_TENANT,
    creditCode: creditCode('91310115MA1K4CD3X'),
    licenceIndefinite: true,
    ...contact,
  });
  await reviewQualification({ ...ctx, actor: w.operator }, standard.id, 'APPROVE');
  await submitQualification({ ...ctx, actor: w.admin }, {
    kind: 'TOLL_FREE_400',
    companyName: DEMO_TENANT,
    creditCode: creditCode('91440300MA5EQ7LB2'),
    licenceIndefinite: true,
    ...contact,
  });
  return 'qualifications: STANDARD approved, TOLL_FREE_400 pending review';
};

/** Later modules append their step here (numbers, instances, privacy apps …), in dependency order. */
export const demoSteps: DemoStep[] = [demoQualifications, demoNumbers, demoInstance, demoPrivacy, demoVoice];

/** The plain-text summary of a seeding, keys included (printed once). */
export function demoSeedNotice(seed: DemoSeed, baseUrl?: string): string {
  const lines = [`Demo tenant "${DEMO_TENANT}" (${seed.tenantId}): ${seed.tenantCreated ? 'created' : 'already there'}`];
  for (const k of seed.keys) lines.push(`  ${k.role.padEnd(12)} ${k.name} <${k.email}>  key: ${k.secret}`);
  if (!seed.keys.length) lines.push('  its users exist already; their keys were shown when they were made (new ones: pnpm callplane key create --role … --tenant …)');
  for (const n of seed.notes) lines.push(`  seeded ${n}`);
  if (seed.keys.length && baseUrl) lines.push(`  log in with one of these keys at ${baseUrl}/`);
  return lines.join('\n') + '\n';
}
