// Q3: saved handler profiles.
import type { ServiceContext } from '../../context.js';
import { inTransaction } from '../../db/transaction.js';
import { requireTenantAdmin, scopedFrom } from '../../access/scope.js';
import { TENANT_ADMIN_FILES } from './documents.js';
import { parseEmail, parseIdNumber, parseMobile, requiredText } from '../../shared/input-fields.js';
import type { Handler } from './qualifications.table.js';

export interface HandlerInput {
  name: string;
  idNumber: string;
  mobile: string;
  email: string;
}

/** Q3: saves a handler profile; saving under an existing name updates that profile. */
export async function saveHandler(ctx: ServiceContext, input: HandlerInput): Promise<Handler> {
  const tenantId = requireTenantAdmin(ctx.actor, TENANT_ADMIN_FILES);
  const values = {
    name: requiredText(input.name, 'name', 'the handler name', 100),
    id_number: parseIdNumber(input.idNumber, 'idNumber'),
    mobile: parseMobile(input.mobile, 'mobile'),
    email: parseEmail(input.email, 'email'),
  };
  return inTransaction(ctx, (tx) =>
    tx.trx
      .insertInto('handlers')
      .values({ ...values, tenant_id: tenantId, created_at: tx.now })
      .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ id_number: values.id_number, mobile: values.mobile, email: values.email }))
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export function handlersOf(ctx: ServiceContext): Promise<Handler[]> {
  return scopedFrom(ctx, 'handlers').selectAll().orderBy('handlers.name').orderBy('handlers.id').execute();
}

/** Q3: a saved handler by name (an OPERATOR, seeing every tenant, gets the oldest of that name). */
export async function findHandler(ctx: ServiceContext, name: string): Promise<Handler | null> {
  const row = await scopedFrom(ctx, 'handlers')
    .selectAll()
    .where('handlers.name', '=', name.trim())
    .orderBy('handlers.created_at')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}
