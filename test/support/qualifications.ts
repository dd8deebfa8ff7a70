import type { Kysely } from 'kysely';
import type { Clock, Database } from '@callplane/schema';
import type { QualificationKind, QualificationStatus } from '@callplane/schema/modules/qualifications/qualifications.table.ts';

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
