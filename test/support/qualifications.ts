import type { Kysely } from 'kysely';
import { reviewQualification, submitQualification, type Actor, type Clock, type Database, type ServiceContext } from '@callplane/schema';
import { minimalQualificationInput } from '@callplane/schema/testing';
import type { QualificationKind, QualificationStatus } from '@callplane/schema/testing';
import type { TenantFixture } from './context.js';

/** A qualification row as the review would leave it, for tests of what needs one (Q2): returns its id. */
export async function insertQualification(
  db: Kysely<Database>,
  clock: Clock,
  tenantId: string,
  kind: QualificationKind,
  status: QualificationStatus = 'APPROVED',
): Promise<string> {
  const now = clock.now();
  const row = await db
    .insertInto('qualifications')
    .values({
      tenant_id: tenantId,
      kind,
      status,
      company_name: 'Test Co',
      credit_code: '91350100M000100Y43',
      legal_representative: 'Zhang San',
      licence_valid_until: '2030-01-01',
      licence_indefinite: false,
      contact_name: 'Li Si',
      contact_mobile: '+8613800138000',
      submitted_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A qualification filed by the tenant's admin through the service and, unless `approve` is false,
 * approved by an OPERATOR (the world's default actor): returns its id.
 */
export async function filedQualification(
  world: { ctx(actor?: Actor | null): ServiceContext },
  tenant: TenantFixture,
  kind: QualificationKind = 'STANDARD',
  approve = true,
): Promise<string> {
  const q = await submitQualification(world.ctx(tenant.admin), { ...minimalQualificationInput, kind });
  if (approve) await reviewQualification(world.ctx(), q.id, 'APPROVE');
  return q.id;
}
