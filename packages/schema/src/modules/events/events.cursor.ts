import { ValidationError } from '../../errors.js';

/** An event's position: the writer's transaction id, then its sequence within it (RT1). */
export interface Cursor {
  txid: string;
  seq: string;
}

export const START: Cursor = { txid: '0', seq: '0' };

const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

export function encodeCursor(c: Cursor): string {
  return `${c.txid}-${c.seq}`;
}

export function decodeCursor(s: string | null | undefined, field = 'after'): Cursor {
  if (s == null || s === '') return START;
  const m = /^(\d{1,20})-(\d{1,19})$/.exec(s);
  // a transaction id is an xid8 (64 bits, unsigned) and a sequence a bigint (63 bits)
  if (!m || BigInt(m[1]!) > MAX_XID8 || BigInt(m[2]!) > MAX_BIGINT)
    throw new ValidationError(field, `${field} is not a cursor returned by Callplane`, 'INVALID_CURSOR');
  return { txid: m[1]!, seq: m[2]! };
}

/** True when `a` comes after `b` in the stream. */
export function isAfter(a: Cursor, b: Cursor): boolean {
  const [at, bt] = [BigInt(a.txid), BigInt(b.txid)];
  return at !== bt ? at > bt : BigInt(a.seq) > BigInt(b.seq);
}
