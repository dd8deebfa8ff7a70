// Bulk AXB bindings for the routing benchmark and the query-plan test: rows written straight into
// privacy_bindings and their routing keys, one INSERT … SELECT generate_series per X (5 000 pairs
// at most, P3), no events, no expiry jobs (permanent). Never used by the service.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { MAX_AXB_PAIRS_PER_X } from './privacy.usage.js';

export interface SeedX {
  number_id: string;
  e164: string;
}

/** The parties of the i-th pair of an X (the same on every X): mobile numbers +86 138 0000 0000 + 2i, + 2i + 1. */
export const seededParty = (i: number, side: 'a' | 'b') => `+86138${String(2 * i + (side === 'a' ? 0 : 1)).padStart(8, '0')}`;

/**
 * `pairsPerX` permanent AXB bindings (direction BOTH) on each X of the app's pool, with their
 * routing keys; `progress` is told the running total after each X.
 */
export async function seedAxbBindings(
  db: Kysely<Database>,
  app: { id: string; tenant_id: string },
  xs: readonly SeedX[],
  pairsPerX: number,
  now: Date,
  progress?: (done: number, total: number) => void,
): Promise<number> {
  if (pairsPerX > MAX_AXB_PAIRS_PER_X) throw new RangeError(`an X holds at most ${MAX_AXB_PAIRS_PER_X} AXB pairs`);
  let done = 0;
  for (const x of xs) {
    await sql`
      with made as (
        insert into privacy_bindings (tenant_id, app_id, mode, x_number_id, x_e164, a_e164, b_e164, direction, record,
          max_call_minutes, relay_sms, user_data, duration_seconds, expires_at, created_at, updated_at)
        select ${app.tenant_id}::uuid, ${app.id}::uuid, 'AXB', ${x.number_id}::uuid, ${x.e164},
          '+86138' || lpad((2 * i)::text, 8, '0'), '+86138' || lpad((2 * i + 1)::text, 8, '0'),
          'BOTH', false, 0, false, 'order ' || i, 0, null, ${now}::timestamptz, ${now}::timestamptz
        from generate_series(0, ${pairsPerX - 1}) as i
        returning id, x_e164, a_e164, b_e164
      )
      insert into privacy_binding_keys (x_e164, key, binding_id, tenant_id, app_id)
      select x_e164, 'P:' || a_e164, id, ${app.tenant_id}::uuid, ${app.id}::uuid from made
      union all
      select x_e164, 'P:' || b_e164, id, ${app.tenant_id}::uuid, ${app.id}::uuid from made`.execute(db);
    done += pairsPerX;
    progress?.(done, xs.length * pairsPerX);
  }
  await sql`analyze privacy_bindings`.execute(db);
  await sql`analyze privacy_binding_keys`.execute(db);
  await sql`analyze privacy_pool_numbers`.execute(db);
  return done;
}
