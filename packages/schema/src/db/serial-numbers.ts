import { sql } from 'kysely';
import type { Tx } from './transaction.js';

/**
 * A human-readable, unique number: prefix + the day (YYYY-MM-DD, without dashes) + the next value
 * of a database sequence, six digits at least (order numbers ORD…, application tickets AP…).
 */
export async function serialNumber(tx: Tx, sequence: 'order_no_seq' | 'application_ticket_seq', prefix: string, day: string): Promise<string> {
  const seq = await sql<{ n: string }>`select nextval(${sequence})::text as n`.execute(tx.trx);
  return `${prefix}${day.replace(/-/g, '')}${seq.rows[0]!.n.padStart(6, '0')}`;
}
