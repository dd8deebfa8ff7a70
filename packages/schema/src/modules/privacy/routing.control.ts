// P2, P8: X mode. No stored binding: each call asks the app's call-control URL where to connect,
// with a signed request and a timeout; no usable answer in time means the app's fallback (a fixed
// number, or REJECT).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServiceContext } from '../../context.js';
import { platformReads } from '../../access/scope.js';
import { isTollFree400, parseNumber } from '../numbers/numbers.phone.js';
import { signingSecrets } from '../../shared/app-secrets.js';
import { reject, type RouteConnect, type RouteDecision } from './routing.decision.js';

/** The header carrying `t=<unix seconds>,v1=<hex>` (one v1 per valid secret: two during a rotation's overlap). */
export const SIGNATURE_HEADER = 'x-callplane-signature';
/** Answers longer than this are not read: a bad answer. */
const MAX_ANSWER_BYTES = 16 * 1024;

export interface CallControlApp {
  app_id: string;
  call_control_url: string;
  call_control_timeout_ms: number;
  call_control_fallback_e164: string | null;
}

/** HMAC-SHA256 of "t.body" with each secret, hex: the value of the signature header. */
export function signatureHeader(secrets: readonly string[], body: string, unixSeconds: number): string {
  return [`t=${unixSeconds}`, ...secrets.map((s) => `v1=${createHmac('sha256', s).update(`${unixSeconds}.${body}`).digest('hex')}`)].join(',');
}

/** The receiver's check: some v1 of the header is the HMAC of "t.body" with `secret`. */
export function verifySignature(header: string | undefined, body: string, secret: string): boolean {
  const parts = (header ?? '').split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return parts.some(([k, v]) => k === 'v1' && v?.length === expected.length && timingSafeEqual(Buffer.from(v), expected));
}

/** What the app's URL answers: `{"action":"CONNECT","callee":"+86…","displayNumber"?,"maxDurationSeconds"?,"record"?,"userData"?}` or `{"action":"REJECT","reason"?}`. */
function readAnswer(text: string, x: string): RouteDecision | string {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'the answer is not JSON';
  }
  if (!body || typeof body !== 'object') return 'the answer is not a JSON object';
  if (body.action === 'REJECT')
    return reject('CALL_CONTROL_REJECTED', `the call-control URL refused the call${typeof body.reason === 'string' ? `: ${body.reason.slice(0, 200)}` : ''}`, 'CALL_CONTROL');
  if (body.action !== 'CONNECT') return 'the answer has no action CONNECT or REJECT';
  const callee = typeof body.callee === 'string' ? parseNumber(body.callee.slice(0, 64)) : null;
  if (!callee?.ok) return 'the answer names no valid callee';
  let display = x;
  if (body.displayNumber != null) {
    const d = typeof body.displayNumber === 'string' ? parseNumber(body.displayNumber.slice(0, 64)) : null;
    if (!d?.ok) return 'the answer’s displayNumber is not a valid number';
    // N5: asked to show a 400 number, the answer is not used (the fallback decides)
    if (isTollFree400(d.e164)) return `the answer’s displayNumber ${d.e164} is a 400 number, which is never displayed (N5)`;
    display = d.e164;
  }
  const max = body.maxDurationSeconds;
  if (max != null && (!Number.isInteger(max) || (max as number) < 0 || (max as number) > 86_400)) return 'the answer’s maxDurationSeconds is not 0 to 86 400';
  const userData = typeof body.userData === 'string' ? body.userData.slice(0, 256) : null;
  return { action: 'CONNECT', matched: 'CALL_CONTROL', callee: callee.e164, displayNumber: display, maxDurationSeconds: (max as number) || null, record: body.record === true, bindingId: null, userData };
}

/** The answer of the URL within the app's timeout, or why there is none. */
async function ask(ctx: ServiceContext, app: CallControlApp, payload: Record<string, unknown>): Promise<RouteDecision | string> {
  const now = ctx.clock.now();
  const body = JSON.stringify({ ...payload, timestamp: now.toISOString() });
  const secrets = await signingSecrets(platformReads(ctx, 'signing secrets'), app.app_id, now);
  try {
    const res = await fetch(app.call_control_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(secrets, body, Math.floor(now.getTime() / 1000)) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(app.call_control_timeout_ms),
    });
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel();
      return `the call-control URL answered HTTP ${res.status}`;
    }
    const text = await res.text();
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) return 'the answer is too long';
    return readAnswer(text, String(payload.called));
  } catch (err) {
    const e = err as Error;
    return e.name === 'TimeoutError' ? `the call-control URL did not answer within ${app.call_control_timeout_ms} ms` : `the call-control URL could not be reached (${e.message})`;
  }
}

/** X mode: the URL's decision, else the fallback number (CONNECT, display X) or REJECT 8018. */
export async function askCallControl(ctx: ServiceContext, app: CallControlApp, p: { caller: string; called: string; extension: string | null }): Promise<RouteDecision> {
  const answer = await ask(ctx, app, { event: 'CALL_CONTROL', appId: app.app_id, caller: p.caller, called: p.called, extension: p.extension });
  if (typeof answer !== 'string') return answer;
  if (!app.call_control_fallback_e164) return reject('CALL_CONTROL_FAILED', `${answer}; the app has no fallback number`, 'CALL_CONTROL');
  const fallback: RouteConnect = {
    action: 'CONNECT',
    matched: 'FALLBACK',
    callee: app.call_control_fallback_e164,
    displayNumber: p.called,
    maxDurationSeconds: null,
    record: false,
    bindingId: null,
    userData: null,
    reason: answer,
  };
  return fallback;
}
