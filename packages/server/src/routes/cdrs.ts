import { CDR_RANGE_DAYS, cdrsQuery, globalId, recordingOfCdr, UUID, ValidationError, NotFoundError, type Cdr } from '@callplane/schema';
import type { Route } from '../http/routes.js';
import { sendJson } from '../http/routes.js';
import { mapPages, pages, sendCsv } from './exports.js';

/**
 * C2, P9: the CDRs as CSV, with the filters of the `cdrs` query as query parameters (from, to: ISO
 * 8601, at most 31 days apart, default the last 31 days; number; bindingId, appId, instanceId:
 * global ids as in GraphQL), read through the same scope (cdrsQuery): a PARTNER key gets its
 * app's CDRs, in the order their calls ended. A bad or unknown parameter is a 400 naming it,
 * before any row is written.
 */
const CDR_COLUMNS = [
  'id', 'switch_call_id', 'x', 'caller', 'called', 'callee', 'user_data', 'app_id', 'binding_id', 'instance_id',
  'call_in_at', 'forward_start_at', 'alerting_at', 'answered_at', 'ended_at', 'failure_reason', 'recording_url',
  'recording_for_analysis', 'billable_minutes', 'tenant_id', 'created_at',
] as const;

const PARAMS = ['from', 'to', 'number', 'bindingId', 'appId', 'instanceId'] as const;

export const cdrsExportRoute: Route = {
  method: 'GET',
  pattern: /^\/exports\/cdrs\.csv$/,
  async handle(req, res, ctx) {
    const params = new URL(req.url ?? '', 'http://x').searchParams;
    for (const name of params.keys())
      if (!(PARAMS as readonly string[]).includes(name)) throw new ValidationError(name, `unknown parameter ${name}: the filters are ${PARAMS.join(', ')}`);
    const query = cdrsQuery(ctx, {
      from: time(params, 'from'),
      to: time(params, 'to'),
      number: params.get('number') || null,
      bindingId: idParam(params, 'bindingId', 'PrivacyBinding'),
      appId: idParam(params, 'appId', 'PrivacyApp'),
      instanceId: idParam(params, 'instanceId', 'Instance'),
    });
    const rows = mapPages(pages<Cdr, 'ended_at'>(query, 'cdrs', 'ended_at'), async (page) =>
      page.map((c) => [
        c.id, c.switch_call_id, c.x_e164, c.caller_e164, c.called_e164, c.callee_e164, c.user_data, c.app_id, c.binding_id, c.instance_id,
        c.call_in_at, c.forward_start_at, c.alerting_at, c.answered_at, c.ended_at, c.failure_reason, c.recording_url,
        c.recording_for_analysis, c.billable_minutes, c.tenant_id, c.created_at,
      ]),
    );
    await sendCsv(res, 'cdrs.csv', CDR_COLUMNS, rows);
  },
};

/**
 * P9: GET /recordings/<Cdr global id> with the key. The platform stores no audio: the switch keeps
 * it, so, like Twilio's recording media URL (a 302 to where the file is), this answers 302 to the
 * reported recording URL (`curl -L` fetches the audio) with the reference as a small JSON body too.
 * A CDR the key may not read, a missing one, or one without a recording: 404.
 */
export const recordingDownloadRoute: Route = {
  method: 'GET',
  pattern: /^\/recordings\/(?<id>[^/]+)$/,
  async handle(_req, res, ctx, params) {
    const id = cdrIdOf(params.id!);
    if (!id) throw new NotFoundError('CDR', 'id');
    const recording = await recordingOfCdr(ctx, id);
    res.setHeader('location', recording.recordingUrl);
    res.setHeader('cache-control', 'private, no-store');
    sendJson(res, 302, { cdrId: globalId('Cdr', recording.cdrId), recordingUrl: recording.recordingUrl, forAnalysis: recording.forAnalysis });
  },
};

/** The row id of a `Cdr` global id (base64 or base64url, percent-encoded or not); null otherwise. */
function cdrIdOf(raw: string): string | null {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return rowIdOf(text, 'Cdr');
}

/** The row id of a global id of `type`; null for anything else. */
export function rowIdOf(globalId: string, type: string): string | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(globalId)) return null;
  const [kind, id, ...rest] = Buffer.from(globalId, 'base64').toString().split(':');
  return kind === type && !rest.length && UUID.test(id ?? '') ? id! : null;
}

/** The row id of the query parameter `name`, a global id of `type` (absent: null). */
function idParam(params: URLSearchParams, name: string, type: string): string | null {
  const v = params.get(name);
  if (v === null || v === '') return null;
  const id = rowIdOf(v, type);
  if (!id) throw new ValidationError(name, `${name} is not a ${type} id`);
  return id;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function time(params: URLSearchParams, name: 'from' | 'to'): Date | null {
  const v = params.get(name);
  if (v === null || v === '') return null;
  const at = ISO_TIME.test(v) ? new Date(v) : null;
  if (!at || Number.isNaN(at.getTime())) throw new ValidationError(name, `${name} is an ISO 8601 time with its offset (e.g. 2026-12-01T00:00:00Z), ${CDR_RANGE_DAYS} days at most from the other end`);
  return at;
}
