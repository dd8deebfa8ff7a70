// C1: one reported call event, checked on its own: a bad item is an error of that item only.
import { DomainError, ValidationError } from '../../errors.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DEFAULT_COUNTRY } from '../numbers/numbers.phone.js';
import type { CallEventType } from './calls.table.js';

export const MAX_BATCH = 500;
/** How far ahead of the clock a switch's timestamp may be (its clock may run a little fast). */
export const MAX_FUTURE_MS = 5 * 60_000;

export interface CallEventInput {
  eventId: string;
  callId: string;
  type: CallEventType;
  occurredAt: Date;
  caller?: string | null;
  called?: string | null;
  callee?: string | null;
  /** A PrivacyBinding's row id (from routeCall's bindingId). */
  bindingId?: string | null;
  userData?: string | null;
  /** QUEUED: the skill group's row id. */
  skillGroupId?: string | null;
  /** ALERTING / ANSWER of an instance call: the agent's row id. */
  agentId?: string | null;
  failureReason?: string | null;
  recordingUrl?: string | null;
}

export interface CheckedEvent extends CallEventInput {
  caller: string | null;
  called: string | null;
  callee: string | null;
}

const text = (v: string | null | undefined, field: string, max: number, required = false): string | null => {
  const t = v?.trim() ?? '';
  if (!t) {
    if (required) throw new ValidationError(field, `${field} is required`);
    return null;
  }
  if (t.length > max) throw new ValidationError(field, `${field} has at most ${max} characters`);
  return t;
};

/** A number's E.164 form, or why it is not a valid number. */
type Checked164 = { e164: string } | { message: string };

/** Numbers checked lately (a bounded memo): a switch names the same X numbers and callers in event after event. */
const checked164 = new Map<string, Checked164>();

/**
 * parseNumber's rule (valid for libphonenumber's full metadata, China by default) without the
 * kinds and national form it also works out, which an event does not need: those cost twice the
 * parse again.
 */
function check164(t: string): Checked164 {
  let c = checked164.get(t);
  if (c === undefined) {
    const p = parsePhoneNumberFromString(t, DEFAULT_COUNTRY);
    c = p && p.isValid() ? { e164: p.number } : { message: `"${t}" is not a valid phone number` };
    if (checked164.size >= 10_000) checked164.clear();
    checked164.set(t, c);
  }
  return c;
}

const e164 = (v: string | null | undefined, field: string, required = false): string | null => {
  const t = text(v, field, 64, required);
  if (t === null) return null;
  const c = check164(t);
  if ('message' in c) throw new ValidationError(field, c.message);
  return c.e164;
};

/** The item checked and its numbers parsed, or the typed error of the item (fields named as in the input). */
export function checkEvent(e: CallEventInput, range: { from: Date; to: Date }): CheckedEvent {
  const eventId = text(e.eventId, 'eventId', 128, true)!;
  const callId = text(e.callId, 'callId', 128, true)!;
  if (!(e.occurredAt instanceof Date) || Number.isNaN(e.occurredAt.getTime())) throw new ValidationError('occurredAt', 'occurredAt is not a time');
  if (e.occurredAt < range.from) throw new ValidationError('occurredAt', `occurredAt is before ${range.from.toISOString()}, older than the calls kept`);
  if (e.occurredAt > range.to) throw new ValidationError('occurredAt', 'occurredAt is in the future');
  const checked: CheckedEvent = {
    eventId,
    callId,
    type: e.type,
    occurredAt: e.occurredAt,
    caller: e164(e.caller, 'caller', e.type === 'CALLIN'),
    called: e164(e.called, 'called', e.type === 'CALLIN'),
    callee: e164(e.callee, 'callee', e.type === 'CALLOUT'),
    bindingId: e.bindingId,
    userData: text(e.userData, 'userData', 256),
    skillGroupId: e.skillGroupId,
    agentId: e.agentId,
    failureReason: text(e.failureReason, 'failureReason', 256),
    recordingUrl: text(e.recordingUrl, 'recordingUrl', 2048),
  };
  if (checked.recordingUrl && !/^https?:\/\//.test(checked.recordingUrl)) throw new ValidationError('recordingUrl', 'recordingUrl is an http(s) URL');
  if (e.skillGroupId && e.type !== 'QUEUED') throw new ValidationError('skillGroupId', 'a skill group comes with QUEUED only');
  if (e.agentId && e.type !== 'ALERTING' && e.type !== 'ANSWER') throw new ValidationError('agentId', 'an agent comes with ALERTING or ANSWER only');
  if (e.type === 'QUEUED' && !e.skillGroupId) throw new ValidationError('skillGroupId', 'QUEUED names the skill group');
  return checked;
}

/** An item's outcome: STORED, DUPLICATE (its event id was stored before), or ERROR with the typed error. */
export type ItemResult =
  | { index: number; eventId: string; status: 'STORED' | 'DUPLICATE'; callId: string }
  | { index: number; eventId: string; status: 'ERROR'; error: DomainError };

/** The platform number of a new call: what was called (CALLIN), or shown as the caller (CALLOUT). */
export const xOf = (e: CheckedEvent): string | null => (e.type === 'CALLIN' ? e.called : e.type === 'CALLOUT' ? e.caller : null);
