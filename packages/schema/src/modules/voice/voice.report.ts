// V3: reportVoiceMessages. The switch (a PARTNER key of the voice app) reports outcomes in batches of
// up to 500. Each item is STORED, ALREADY_REPORTED (the message has its final status already: a
// final status is final and nothing is charged twice) or a typed error of that item (unknown
// message, another app's, bad input); the rest of the batch is stored. A final status releases the
// held minute; ANSWERED deducts ceil(duration / 60 s) minutes (voice.deduct.ts); UNANSWERED,
// REJECTED and FAILED are free. A message that gets no final status in time is FAILED by its job.
import { sql } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, lockRow, type Tx } from '../../db/transaction.js';
import { DomainError, ForbiddenError, ValidationError } from '../../errors.js';
import { requireActor, scopedFrom, systemDb, validIds } from '../../access/scope.js';
import { MAX_FUTURE_MS } from '../calls/calls.input.js';
import { billableMinutes, deductMinutes, lockPackagesFor, releaseMinute } from './voice.deduct.js';
import { emitMessageStatus } from './voice.send.js';
import type { VoiceMessage, VoiceMessageStatus } from './voice.table.js';

export const MAX_VOICE_REPORTS = 500;
/** Talk time of one message: a day at most. */
export const MAX_DURATION_SECONDS = 86_400;

export const REPORTED_STATUSES = ['DELIVERING', 'ANSWERED', 'UNANSWERED', 'REJECTED', 'FAILED'] as const satisfies readonly VoiceMessageStatus[];
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];
export const FINAL_STATUSES: readonly VoiceMessageStatus[] = ['ANSWERED', 'UNANSWERED', 'REJECTED', 'FAILED'];
export const isFinal = (s: VoiceMessageStatus) => FINAL_STATUSES.includes(s);

export interface VoiceReportInput {
  /** The voice_messages row id (the GraphQL layer decodes the global id). */
  messageId: string;
  status: ReportedStatus;
  durationSeconds?: number | null;
  failureReason?: string | null;
  at: Date;
}

export type VoiceReportResult =
  | { index: number; messageId: string; status: 'STORED' | 'ALREADY_REPORTED'; message: VoiceMessage }
  | { index: number; messageId: string; status: 'ERROR'; error: DomainError };

const unknownMessage = () => new DomainError('UNKNOWN_VOICE_MESSAGE', 'no voice message of this key has that id', 'messageId');

function checkReport(r: VoiceReportInput, now: Date): VoiceReportInput {
  if (!validIds([r.messageId ?? '']).length) throw unknownMessage();
  if (!REPORTED_STATUSES.includes(r.status)) throw new ValidationError('status', `status is one of ${REPORTED_STATUSES.join(', ')}`);
  if (!(r.at instanceof Date) || Number.isNaN(r.at.getTime())) throw new ValidationError('at', 'at is not a time');
  if (r.at.getTime() > now.getTime() + MAX_FUTURE_MS) throw new ValidationError('at', 'at is in the future');
  const d = r.durationSeconds ?? null;
  if (r.status === 'ANSWERED') {
    if (d === null) throw new ValidationError('durationSeconds', 'an ANSWERED message reports its durationSeconds');
    if (!Number.isInteger(d) || d < 0 || d > MAX_DURATION_SECONDS) throw new ValidationError('durationSeconds', `durationSeconds is a whole number from 0 to ${MAX_DURATION_SECONDS}`);
  } else if (d !== null) throw new ValidationError('durationSeconds', 'durationSeconds comes with ANSWERED only');
  const reason = r.failureReason?.trim() || null;
  if (reason && reason.length > 256) throw new ValidationError('failureReason', 'failureReason has at most 256 characters');
  return { ...r, durationSeconds: d, failureReason: reason };
}

function requireReporter(ctx: ServiceContext) {
  const role = requireActor(ctx.actor).role;
  if (role !== 'PARTNER' && role !== 'TENANT_ADMIN' && role !== 'OPERATOR')
    throw new ForbiddenError('voice message outcomes are reported with a PARTNER key of the app (or by a TENANT_ADMIN or OPERATOR)');
}

export async function reportVoiceMessages(ctx: ServiceContext, reports: readonly VoiceReportInput[]): Promise<VoiceReportResult[]> {
  requireReporter(ctx);
  if (reports.length > MAX_VOICE_REPORTS) throw new ValidationError('reports', `at most ${MAX_VOICE_REPORTS} reports per request`);
  const now = ctx.clock.now();
  const results: VoiceReportResult[] = new Array(reports.length);
  const valid: { index: number; r: VoiceReportInput }[] = [];
  reports.forEach((raw, index) => {
    try {
      valid.push({ index, r: checkReport(raw, now) });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      results[index] = { index, messageId: String(raw.messageId ?? ''), status: 'ERROR', error: err };
    }
  });
  if (!valid.length) return results;
  await inTransaction(ctx, async (tx) => {
    // every message of the batch locked first, in id order (voice.deduct.ts: the lock order)
    const ids = [...new Set(valid.map((v) => v.r.messageId))].sort();
    const locked = await scopedFrom({ db: tx.trx, actor: ctx.actor }, 'voice_messages').selectAll().where('voice_messages.id', 'in', ids).orderBy('voice_messages.id').forUpdate().execute();
    const current = new Map(locked.map((m) => [m.id, m]));
    const earliest = new Date(Math.min(...valid.map((v) => v.r.at.getTime())));
    await lockPackagesFor(tx, locked, earliest);
    for (const { index, r } of valid) {
      const m = current.get(r.messageId);
      if (!m) {
        results[index] = { index, messageId: r.messageId, status: 'ERROR', error: unknownMessage() };
        continue;
      }
      await sql`savepoint voice_report`.execute(tx.trx);
      try {
        const outcome = await applyReport(tx, m, r);
        current.set(m.id, outcome.message);
        results[index] = { index, messageId: r.messageId, ...outcome };
        await sql`release savepoint voice_report`.execute(tx.trx);
      } catch (err) {
        await sql`rollback to savepoint voice_report`.execute(tx.trx);
        if (!(err instanceof DomainError)) throw err;
        results[index] = { index, messageId: r.messageId, status: 'ERROR', error: err };
      }
    }
  });
  return results;
}

async function applyReport(tx: Tx, m: VoiceMessage, r: VoiceReportInput): Promise<{ status: 'STORED' | 'ALREADY_REPORTED'; message: VoiceMessage }> {
  if (isFinal(m.status)) return { status: 'ALREADY_REPORTED', message: m };
  // a switch whose clock runs behind the platform's reports times before the send: taken as the send's
  const at = r.at < m.queued_at ? m.queued_at : r.at;
  if (r.status === 'DELIVERING') {
    if (m.status === 'DELIVERING') return { status: 'STORED', message: m };
    const delivering = await tx.trx.updateTable('voice_messages').set({ status: 'DELIVERING', updated_at: tx.now }).where('id', '=', m.id).returningAll().executeTakeFirstOrThrow();
    await emitMessageStatus(tx, delivering);
    return { status: 'STORED', message: delivering };
  }
  return { status: 'STORED', message: await finish(tx, m, r.status, { durationSeconds: r.durationSeconds ?? null, failureReason: r.failureReason ?? null, at }) };
}

/**
 * A final status: the held minute released; ANSWERED deducts its minutes from the packages
 * unexpired at `at`; the rest that no package could cover is unbilled_minutes (never below 0).
 */
async function finish(
  tx: Tx,
  m: VoiceMessage,
  status: Exclude<ReportedStatus, 'DELIVERING'>,
  o: { durationSeconds: number | null; failureReason: string | null; at: Date },
): Promise<VoiceMessage> {
  await lockPackagesFor(tx, [m], o.at);
  if (m.reserved_package_id) await releaseMinute(tx, m.reserved_package_id);
  const billed = status === 'ANSWERED' ? billableMinutes(o.durationSeconds ?? 0) : 0;
  const { unbilled } = await deductMinutes(tx, { tenantId: m.tenant_id, messageId: m.id }, billed, o.at);
  const done = await tx.trx
    .updateTable('voice_messages')
    .set({
      status,
      duration_seconds: status === 'ANSWERED' ? o.durationSeconds : null,
      billed_minutes: billed,
      unbilled_minutes: unbilled,
      failure_reason: o.failureReason,
      reported_at: o.at,
      updated_at: tx.now,
    })
    .where('id', '=', m.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await emitMessageStatus(tx, done);
  return done;
}

/**
 * V3: the timeout job of a message (and the sweep's handler): one still QUEUED or DELIVERING
 * `voiceMessageTimeoutSeconds` after it was sent becomes FAILED (TIMEOUT), its held minute released.
 */
export async function failStaleMessage(ctx: ServiceContext, messageId: string): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    const m = await lockRow(tx, 'voice_messages', messageId);
    if (!m || isFinal(m.status)) return false;
    const due = m.queued_at.getTime() + ctx.settings.voiceMessageTimeoutSeconds * 1000;
    if (due > tx.now.getTime()) return false;
    await finish(tx, m, 'FAILED', { durationSeconds: null, failureReason: 'TIMEOUT', at: tx.now });
    return true;
  });
}

/** The sweep: messages past their timeout that no job has failed yet. */
export async function sweepStaleMessages(ctx: ServiceContext): Promise<number> {
  const before = new Date(ctx.clock.now().getTime() - ctx.settings.voiceMessageTimeoutSeconds * 1000);
  const due = await systemDb(ctx)
    .selectFrom('voice_messages')
    .select('id')
    .where('status', 'in', ['QUEUED', 'DELIVERING'])
    .where('queued_at', '<=', before)
    .orderBy('queued_at')
    .limit(500)
    .execute();
  let n = 0;
  for (const { id } of due) if (await failStaleMessage(ctx, id)) n++;
  return n;
}
