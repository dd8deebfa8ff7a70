// C4: one reported SMS, checked on its own: a bad item is an error of that item only.
import { ValidationError, type DomainError } from '../../errors.js';
import { requiredText } from '../../shared/input-fields.js';
import { characterCount } from '../../shared/text.js';
import { parseNumber } from '../numbers/numbers.phone.js';

/** C4: at most this many SMS per reportSms request. */
export const MAX_SMS_BATCH = 500;
/** Characters of an SMS text (a long SMS arrives joined from its parts). */
export const MAX_SMS_TEXT = 2000;

export interface SmsInput {
  messageId: string;
  from: string;
  to: string;
  text: string;
  sentAt: Date;
}

export type CheckedSms = SmsInput;

const e164 = (raw: string | null | undefined, field: string): string => {
  const p = parseNumber((raw ?? '').slice(0, 64));
  if (!p.ok) throw new ValidationError(field, `${field}: ${p.message}`);
  return p.e164;
};

/** The item checked and its numbers parsed, or the typed error of the item naming the field. */
export function checkSms(m: SmsInput, range: { from: Date; to: Date }): CheckedSms {
  const messageId = requiredText(m.messageId, 'messageId', 'messageId', 128);
  if (!(m.sentAt instanceof Date) || Number.isNaN(m.sentAt.getTime())) throw new ValidationError('sentAt', 'sentAt is not a time');
  if (m.sentAt < range.from) throw new ValidationError('sentAt', `sentAt is before ${range.from.toISOString()}, older than the SMS kept`);
  if (m.sentAt > range.to) throw new ValidationError('sentAt', 'sentAt is in the future');
  const text = m.text ?? '';
  if (!text.trim()) throw new ValidationError('text', 'text must not be empty');
  if (characterCount(text) > MAX_SMS_TEXT) throw new ValidationError('text', `text has at most ${MAX_SMS_TEXT} characters`);
  return { messageId, from: e164(m.from, 'from'), to: e164(m.to, 'to'), text, sentAt: m.sentAt };
}

/** An item's outcome: STORED, DUPLICATE (its message id was stored before: the SMS stored then), or ERROR. */
export type SmsItemResult =
  | { index: number; messageId: string; status: 'STORED' | 'DUPLICATE'; smsId: string }
  | { index: number; messageId: string; status: 'ERROR'; error: DomainError };
