// What every step of a number's life shares: its tariff and terms, its status events, release to stock.
import { sql } from 'kysely';
import type { Tx } from '../../db/transaction.js';
import type { NumberRow, NumberStatus } from './numbers.table.js';

/** The tariff a number's monthly charge comes from: rent, or for 400 numbers the tier's minimum spend (N5). */
export function tariffCodeFor(n: Pick<NumberRow, 'type' | 'tier'>): string {
  if (n.type === 'TOLL_FREE_400') return `TOLL_FREE_400_${n.tier ?? 'STANDARD'}`;
  return `NUMBER_MONTHLY_${n.type}`;
}

/** N5: a 400 number's first term is 3 months; other numbers are bought a month at a time. */
export const firstTermMonths = (n: Pick<NumberRow, 'type'>) => (n.type === 'TOLL_FREE_400' ? 3 : 1);
export const RENEWAL_MONTHS = 1;

/** Calendar months in the tenant's time zone (Jan 31 + 1 month = Feb 28/29). */
export async function addMonths(tx: Tx, at: Date, months: number, tenantId: string): Promise<Date> {
  const r = await sql<{ at: Date }>`
    select ((${at}::timestamptz at time zone t.time_zone) + make_interval(months => ${months}::int)) at time zone t.time_zone as at
    from tenants t where t.id = ${tenantId}`.execute(tx.trx);
  return r.rows[0]!.at;
}

/** How order lines and emails name a number. */
export const describeNumber = (n: NumberRow) =>
  n.type === 'TOLL_FREE_400' ? `400 number ${n.e164} (${n.tier} tier, monthly minimum spend)` : `${n.type.toLowerCase()} number ${n.e164}`;

/** What another module undoes when a number goes back to stock, in the same transaction (composeModules registers it). */
export type NumberReleaseHook = (tx: Tx, n: NumberRow, reason: string) => Promise<void>;
const releaseHooks = new Map<string, NumberReleaseHook>();

export function registerReleaseHook(name: string, hook: NumberReleaseHook): void {
  releaseHooks.set(name, hook);
}

/** Back to stock: no tenant, no term, no instance (the modules' release hooks undo what held the number). */
export async function releaseToStock(tx: Tx, n: NumberRow, reason: string, extra: Record<string, unknown> = {}): Promise<NumberRow> {
  for (const hook of releaseHooks.values()) await hook(tx, n, reason);
  const released = await tx.trx
    .updateTable('numbers')
    .set({
      status: 'AVAILABLE',
      tenant_id: null,
      qualification_id: null,
      instance_id: null,
      application_id: null,
      call_type: null,
      term_start: null,
      term_end: null,
      auto_renew: false,
      reserved_until: null,
      grace_until: null,
      updated_at: tx.now,
    })
    .where('id', '=', n.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  // The event belongs to the tenant that lost the number, so that it sees it go.
  await emitStatus(tx, { ...released, tenant_id: n.tenant_id }, n.status, reason, extra);
  return released;
}

export async function emitStatus(tx: Tx, n: NumberRow, previousStatus: NumberStatus | null, reason: string, extra: Record<string, unknown> = {}) {
  await tx.emit({
    type: 'NUMBER_STATUS_CHANGED',
    tenantId: n.tenant_id,
    subjectId: n.id,
    payload: { e164: n.e164, type: n.type, status: n.status, previousStatus, reason, ...extra },
  });
}
