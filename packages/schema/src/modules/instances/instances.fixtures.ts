/** Test data shared by the service tests of instances, agents, skill groups and flows. */
import type { Kysely } from 'kysely';
import type { Actor } from '../../access/actor.js';
import type { ServiceContext } from '../../context.js';
import type { Database } from '../../db/database.js';
import type { NumberRow, NumberType } from '../numbers/numbers.table.js';
import { provisionInstance } from './instances.provision.js';
import { createInstance } from './instances.service.js';
import type { Instance } from './instances.table.js';

let serial = 0;
/**
 * A valid phone number no other fixture of this process used: local (+86 21 6ppsssss) or 400
 * (+86 400 ppsssss). The digit after the area code is fixed, since Shanghai numbers never start with 0 or 1.
 */
const uniqueE164 = (type: NumberType) => {
  const tail = String(process.pid % 100).padStart(2, '0') + String(++serial).padStart(5, '0');
  return type === 'TOLL_FREE_400' ? `+86400${tail}` : `+86216${tail}`;
};

/**
 * An ACTIVE number of the tenant, as a paid purchase (or, for a 400 number, an application) would
 * leave it, written directly: for tests of what needs one (I1).
 */
export async function activeNumber(
  world: { db: Kysely<Database>; clock: { now(): Date } },
  tenantId: string,
  type: NumberType = 'LOCAL',
): Promise<NumberRow> {
  const now = world.clock.now();
  return world.db
    .insertInto('numbers')
    .values({
      e164: uniqueE164(type),
      type,
      tier: type === 'TOLL_FREE_400' ? 'STANDARD' : null,
      province: '上海',
      city: '上海',
      carrier: 'CHINA_TELECOM',
      status: 'ACTIVE',
      tenant_id: tenantId,
      qualification_id: null,
      instance_id: null,
      application_id: null,
      call_type: 'INBOUND_ONLY',
      term_start: now,
      term_end: new Date(now.getTime() + 90 * 86_400_000),
      reserved_until: null,
      grace_until: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A RUNNING instance of the tenant, created by its admin through the service (so with its admin
 * agent, Default skill group and published Welcome flow bound to its number: I2) and provisioned at
 * once, without moving the world's clock. Its name and slug are unique per call unless given.
 */
export async function runningInstance(
  world: { db: Kysely<Database>; clock: { now(): Date }; ctx(actor?: Actor | null): ServiceContext },
  tenant: { tenantId: string; admin: Actor },
  opts: { name?: string; accessSlug?: string; numberType?: NumberType } = {},
): Promise<{ instance: Instance; number: NumberRow }> {
  const number = await activeNumber(world, tenant.tenantId, opts.numberType);
  const tag = `${process.pid % 1000}-${++serial}`;
  const admin = world.ctx(tenant.admin);
  const created = await createInstance(
    { ...admin, settings: { ...admin.settings, instanceProvisionSeconds: 0 } },
    { name: opts.name ?? `Support ${tag}`, accessSlug: opts.accessSlug ?? `support-${tag}`, description: 'A test instance', numberId: number.id },
  );
  const instance = await provisionInstance(world.ctx(null), created.id);
  if (instance?.status !== 'RUNNING') throw new Error(`the instance did not provision: ${instance?.failure_reason ?? 'gone'}`);
  return { instance, number: { ...number, instance_id: instance.id } };
}
