// N5: 400 numbers are inbound only.
import { DomainError } from '../../errors.js';
import { isTollFree400 } from './numbers.phone.js';
import type { NumberRow } from './numbers.table.js';

/** A number as other modules hold it: an inventory row, or just an E.164 string with what is known. */
type CallerNumber = Pick<NumberRow, 'e164'> & Partial<Pick<NumberRow, 'type' | 'call_type' | 'status'>>;

const is400 = (n: CallerNumber) => n.type === 'TOLL_FREE_400' || isTollFree400(n.e164);

const tollFreeInboundOnly = (n: CallerNumber, what: string) =>
  new DomainError('TOLL_FREE_INBOUND_ONLY', `${n.e164} is a 400 number: 400 numbers are inbound only and cannot ${what}`, 'number');

/** N5: refuses a number for an outbound call: 400 numbers never, inbound-only numbers not, inactive ones not. */
export function assertUsableForOutbound(n: CallerNumber): void {
  if (is400(n)) throw tollFreeInboundOnly(n, 'place outbound calls');
  if (n.call_type === 'INBOUND_ONLY') throw new DomainError('NUMBER_INBOUND_ONLY', `${n.e164} was bought for inbound calls only`, 'number');
  if (n.status && n.status !== 'ACTIVE') throw new DomainError('NUMBER_NOT_ACTIVE', `${n.e164} is ${n.status}, not ACTIVE`, 'number');
}

/** N5: refuses a 400 number as the number shown to the called party. */
export function assertCanDisplayAsCaller(n: CallerNumber): void {
  if (is400(n)) throw tollFreeInboundOnly(n, 'be shown as the caller number');
}
