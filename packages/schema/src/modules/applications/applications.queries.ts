// Reads of number applications, all through scopedFrom.
import type { ServiceContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { findScoped, scopedFrom, validIds } from '../../access/scope.js';
import type { NumberRow } from '../numbers/numbers.table.js';
import type { ApplicationNumberStatus, ApplicationStatus, NumberApplication } from './applications.table.js';

export interface ApplicationFilter {
  status?: ApplicationStatus | null;
  numberStatus?: ApplicationNumberStatus | null;
  /** applied at or after */
  from?: Date | null;
  /** applied before */
  to?: Date | null;
  instanceId?: string | null;
}

export function applicationsQuery(ctx: ServiceContext, f: ApplicationFilter = {}) {
  if (f.from && f.to && f.from > f.to) throw new ValidationError('to', '`to` is before `from`');
  let q = scopedFrom(ctx, 'number_applications').selectAll();
  if (f.status) q = q.where('number_applications.status', '=', f.status);
  if (f.numberStatus) q = q.where('number_applications.number_status', '=', f.numberStatus);
  if (f.from) q = q.where('number_applications.applied_at', '>=', f.from);
  if (f.to) q = q.where('number_applications.applied_at', '<', f.to);
  if (f.instanceId) q = q.where('number_applications.instance_id', '=', f.instanceId);
  return q;
}

export async function findApplication(ctx: ServiceContext, id: string): Promise<NumberApplication | null> {
  return (await findScoped(ctx, 'number_applications', id)) ?? null;
}

/** The numbers held for or delivered by the applications (the tenant's own; OPERATOR: all). */
export async function numbersOfApplications(ctx: ServiceContext, applicationIds: readonly string[]): Promise<NumberRow[]> {
  const ids = validIds(applicationIds);
  if (!ids.length) return [];
  return scopedFrom(ctx, 'numbers').selectAll().where('numbers.application_id', 'in', ids).orderBy('numbers.e164').execute();
}

/** The document ids of each application's handler materials. */
export async function materialsOf(ctx: ServiceContext, applicationIds: readonly string[]) {
  const ids = validIds(applicationIds);
  if (!ids.length) return [];
  return scopedFrom(ctx, 'application_materials')
    .selectAll()
    .where('application_materials.application_id', 'in', ids)
    .orderBy('application_materials.document_type')
    .execute();
}
