import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

/**
 * How rows past a retention are trimmed from a table that is not partitioned (ended calls, SMS
 * ids, finished webhook deliveries): at most `rows` per statement, each statement its own short
 * transaction, and at most `statements` per sweep. Tens of millions of rows (a month at a billion
 * CDRs) are then trimmed over many sweeps, never by one DELETE holding a transaction open for
 * hours (its WAL, its locks, the other sweeps waiting behind it, live events held back behind
 * it: RT1 reads below the oldest open transaction); what one sweep leaves, the next goes on with.
 */
export const TRIM = { rows: 5_000, statements: 40 };
export type TrimLimits = typeof TRIM;

/**
 * Deletes from `table` the rows `ctids(limit)` selects (a `select ctid …` found through an index,
 * `limit` rows at most), statement after statement, until one deletes fewer than a statement's
 * worth or the sweep's statements are spent; returns how many it deleted.
 */
export async function trimRows(db: Kysely<Database>, table: string, ctids: (limit: number) => RawBuilder<unknown>, trim: TrimLimits = TRIM): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < trim.statements; i++) {
    const r = await sql`delete from ${sql.table(table)} where ctid = any(array(${ctids(trim.rows)}))`.execute(db);
    const n = Number(r.numAffectedRows ?? 0n);
    deleted += n;
    if (n < trim.rows) break;
  }
  return deleted;
}
