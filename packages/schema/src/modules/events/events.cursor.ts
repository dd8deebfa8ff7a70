import { ValidationError } from '../../errors.js';

/** An event's position: the writer's transaction id, then its sequence within it (RT1). */
export interface Cursor {
  txid: string;
  seq: string;
}

export const START: Cursor = { txid: '0', seq: '0' };

export function encodeCursor(c: Cursor): string {
  return `${c.txid}-${c.seq}`;
}

export function decodeCursor(s: string | null | undefined, field = 'after'): Cursor {
  if (s == null || s === '') return START;
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(s);
  if (!m) throw new ValidationError(field, `${field} is not a cursor returned by Callplane`);
  return { txid: m[1]!, seq: m[2]! };
}

/** True when `a` comes after `b` in the stream. */
export function isAfter(a: Cursor, b: Cursor): boolean {
  const [at, bt] = [BigInt(a.txid), BigInt(b.txid)];
  return at !== bt ? at > bt : BigInt(a.seq) > BigInt(b.seq);
}
