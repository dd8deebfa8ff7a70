import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { serviceWorld, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { packageRow, voiceApp, voicePackage, voicePartner } from '../../../../../test/support/voice-fixtures.js';
import type { Actor } from '../../access/actor.js';
import { sendVoiceMessage, timeoutJobKey, VOICE_TIMEOUT_TASK, type SendVoiceMessageInput } from './voice.send.js';
import { failStaleMessage, reportVoiceMessages, sweepStaleMessages, type VoiceReportInput } from './voice.report.js';
import { voiceMessagesQuery } from './voice.messages.queries.js';

/** V3 in the service: holding a minute at send, deducting at the outcome, expiry order, races, the timeout. */

let w: ServiceWorld;
let n = 0;
const DAY = 86_400_000;
const as = (a: Actor) => w.ctx(a);
const days = (d: number) => new Date(w.clock.now().getTime() + d * DAY);
const TO = '+8613800138000';

beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

/** A tenant of its own (its packages are the test's alone) with a voice app, its number and a PARTNER key. */
async function tenantWithApp(packages: { total: number; remaining?: number; expiresInDays: number }[] = []) {
  const t: TenantFixture = await w.tenant(`Voice ${++n}`);
  const app = await voiceApp(w, t.tenantId);
  const partner = await voicePartner(w, t.tenantId, app.id);
  const packageIds: string[] = [];
  for (const p of packages) packageIds.push(await voicePackage(w, t.tenantId, { total: p.total, remaining: p.remaining, expiresAt: days(p.expiresInDays) }));
  return { t, app, partner: partner.actor, packageIds };
}

const send = (actor: Actor, appId: string, over: Partial<SendVoiceMessageInput> = {}) => sendVoiceMessage(as(actor), { appId, to: TO, text: 'Your parcel arrives today', ...over });
const report = (actor: Actor, messageId: string, status: VoiceReportInput['status'], durationSeconds?: number) =>
  reportVoiceMessages(as(actor), [{ messageId, status, durationSeconds, at: w.clock.now() }]).then((r) => r[0]!);
const messageRow = (id: string) => w.db.selectFrom('voice_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const usagesOf = (messageId: string) => w.db.selectFrom('voice_package_usages').select(['package_id', 'minutes']).where('message_id', '=', messageId).orderBy('minutes', 'desc').execute();
const eventsOf = (subjectId: string) => w.db.selectFrom('events').select(['type', 'payload', 'app_id']).where('subject_id', '=', subjectId).orderBy('seq').execute();

describe('V3: sending holds a minute', () => {
  it('V3: a sent message is QUEUED from the app’s open number, holds one minute of the package and is an event', async () => {
    const { t, app, partner, packageIds } = await tenantWithApp([{ total: 100, expiresInDays: 30 }]);
    const m = await send(partner, app.id);
    expect(m).toMatchObject({ status: 'QUEUED', to_e164: TO, app_id: app.id, tenant_id: t.tenantId, voice_number_id: app.numberIds[0], reserved_package_id: packageIds[0], billed_minutes: 0 });
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 100, reserved_minutes: 1 });
    const [e] = await eventsOf(m.id);
    expect(e).toMatchObject({ type: 'VOICE_MESSAGE_STATUS_CHANGED', app_id: app.id, payload: { appId: app.id, status: 'QUEUED', to: TO, billedMinutes: 0 } });
    // the tenant's admin sends for its app too, with a template
    const byAdmin = await send(t.admin, app.id, { text: null, templateId: 'parcel-1', templateParams: ['SF123', '14:00'] });
    expect(byAdmin).toMatchObject({ template_id: 'parcel-1', template_params: ['SF123', '14:00'], text: null });
  });

  it('V3: bad input is an error naming its field', async () => {
    const { app, partner } = await tenantWithApp([{ total: 10, expiresInDays: 30 }]);
    const fails = (over: Partial<SendVoiceMessageInput>) => send(partner, app.id, over).then(() => null, (e) => [e.code, e.field]);
    expect(await fails({ to: '12345' })).toEqual(['INVALID_INPUT', 'to']);
    expect(await fails({ text: 'x'.repeat(501) })).toEqual(['INVALID_INPUT', 'text']);
    expect(await fails({ text: '  ' })).toEqual(['INVALID_INPUT', 'text']);
    expect(await fails({ text: null })).toEqual(['INVALID_INPUT', 'text']);
    expect(await fails({ templateId: 'tpl' })).toEqual(['INVALID_INPUT', 'templateId']);
    expect(await fails({ text: null, templateId: 'tpl', templateParams: ['y'.repeat(101)] })).toEqual(['INVALID_INPUT', 'templateParams']);
    expect(await fails({ fromNumberId: '00000000-0000-4000-8000-000000000000' })).toEqual(['VOICE_NUMBER_NOT_OPEN', 'fromNumberId']);
  });

  it('V3: an app without an open number, another app’s PARTNER key, another tenant and a SUPERVISOR are refused', async () => {
    const { t, app, partner } = await tenantWithApp([{ total: 10, expiresInDays: 30 }]);
    const closed = await voiceApp(w, t.tenantId, { numbers: 1 });
    await w.db.updateTable('voice_numbers').set({ closed_at: w.clock.now() }).where('app_id', '=', closed.id).execute();
    await expect(send(t.admin, closed.id)).rejects.toMatchObject({ code: 'VOICE_NUMBER_NOT_OPEN', field: 'appId' });
    await expect(send(partner, closed.id)).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'appId' });
    const other = await tenantWithApp([{ total: 10, expiresInDays: 30 }]);
    await expect(send(other.t.admin, app.id)).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'appId' });
    await expect(send(t.supervisor, app.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await w.db.selectFrom('voice_messages').select('id').where('app_id', 'in', [app.id, closed.id]).execute()).toEqual([]);
  });

  it('V3: with no minute left, sending fails with NO_MINUTES_LEFT and writes nothing (no message, no hold, no event)', async () => {
    const none = await tenantWithApp([]);
    await expect(send(none.partner, none.app.id)).rejects.toMatchObject({ code: 'NO_MINUTES_LEFT' });
    const { app, partner, packageIds } = await tenantWithApp([{ total: 10, remaining: 0, expiresInDays: 30 }, { total: 10, expiresInDays: -1 }]);
    const eventsBefore = await w.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await expect(send(partner, app.id)).rejects.toMatchObject({ code: 'NO_MINUTES_LEFT', message: expect.stringContaining('minute') });
    expect(await w.db.selectFrom('voice_messages').select('id').where('app_id', 'in', [app.id, none.app.id]).execute()).toEqual([]);
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 0, reserved_minutes: 0 });
    expect(await w.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).toEqual(eventsBefore);
  });

  it('V3: two sends racing for the last minute: exactly one is NO_MINUTES_LEFT', async () => {
    for (let round = 0; round < 3; round++) {
      const { app, partner, packageIds } = await tenantWithApp([{ total: 10, remaining: 1, expiresInDays: 30 }]);
      const outcomes = await Promise.allSettled([send(partner, app.id), send(partner, app.id)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)).toEqual(['NO_MINUTES_LEFT']);
      expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 1, reserved_minutes: 1 });
    }
  });
});

describe('V3: outcomes and deduction', () => {
  it('V3: an answered message deducts ceil(duration / 60 s): 1 s → 1, 60 s → 1, 61 s → 2, 0 s → 0', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 100, expiresInDays: 30 }]);
    const billed: number[] = [];
    for (const seconds of [1, 60, 61, 0]) {
      const m = await send(partner, app.id);
      const r = await report(partner, m.id, 'ANSWERED', seconds);
      expect(r.status).toBe('STORED');
      const row = await messageRow(m.id);
      expect(row).toMatchObject({ status: 'ANSWERED', duration_seconds: seconds, unbilled_minutes: 0 });
      billed.push(row.billed_minutes);
    }
    expect(billed).toEqual([1, 1, 2, 0]);
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 96, reserved_minutes: 0 });
  });

  it('V3: unanswered, rejected and failed messages are free; the held minute is released', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 5, expiresInDays: 30 }]);
    for (const status of ['UNANSWERED', 'REJECTED', 'FAILED'] as const) {
      const m = await send(partner, app.id);
      expect((await report(partner, m.id, 'DELIVERING')).status).toBe('STORED');
      expect((await messageRow(m.id)).status).toBe('DELIVERING');
      expect((await report(partner, m.id, status)).status).toBe('STORED');
      expect(await messageRow(m.id)).toMatchObject({ status, billed_minutes: 0 });
      expect(await usagesOf(m.id)).toEqual([]);
    }
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 5, reserved_minutes: 0 });
  });

  it('V3: minutes come from the package that expires first and spill into the next; each is a PACKAGE_USAGE_CHANGED', async () => {
    // bought in another order than they expire: the later one first
    const { app, partner, packageIds } = await tenantWithApp([{ total: 100, expiresInDays: 300 }, { total: 10, remaining: 2, expiresInDays: 20 }]);
    const [late, soon] = packageIds as [string, string];
    const m = await send(partner, app.id);
    expect(m.reserved_package_id).toBe(soon);
    await report(partner, m.id, 'ANSWERED', 150); // 3 minutes: 2 from the one expiring first, 1 from the next
    expect(await usagesOf(m.id)).toEqual([{ package_id: soon, minutes: 2 }, { package_id: late, minutes: 1 }]);
    expect(await packageRow(w, soon)).toEqual({ remaining_minutes: 0, reserved_minutes: 0 });
    expect(await packageRow(w, late)).toEqual({ remaining_minutes: 99, reserved_minutes: 0 });
    const [soonEvent] = await eventsOf(soon);
    expect(soonEvent).toMatchObject({ type: 'PACKAGE_USAGE_CHANGED', app_id: null, payload: { packageId: soon, totalMinutes: 10, remainingMinutes: 0, expiresAt: days(20).toISOString() } });
    expect((await eventsOf(late))[0]).toMatchObject({ type: 'PACKAGE_USAGE_CHANGED', payload: { remainingMinutes: 99 } });
    // the next message holds its minute on the later package: the first has none left
    expect((await send(partner, app.id)).reserved_package_id).toBe(late);
  });

  it('V3: an expired package is skipped, at send and at deduction', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 50, expiresInDays: -1 }, { total: 20, expiresInDays: 10 }]);
    const [expired, live] = packageIds as [string, string];
    const m = await send(partner, app.id);
    expect(m.reserved_package_id).toBe(live);
    await report(partner, m.id, 'ANSWERED', 120);
    expect(await packageRow(w, expired)).toEqual({ remaining_minutes: 50, reserved_minutes: 0 });
    expect(await packageRow(w, live)).toEqual({ remaining_minutes: 18, reserved_minutes: 0 });
  });

  it('V3: minutes beyond what the packages hold are unbilled, never below 0', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 10, remaining: 2, expiresInDays: 10 }]);
    const m = await send(partner, app.id);
    await report(partner, m.id, 'ANSWERED', 300);
    expect(await messageRow(m.id)).toMatchObject({ billed_minutes: 5, unbilled_minutes: 3 });
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 0, reserved_minutes: 0 });
  });

  it('V3: a repeated final report is ALREADY_REPORTED and charges once; a final status is final', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 30, expiresInDays: 10 }]);
    const m = await send(partner, app.id);
    const at = w.clock.now();
    const first = await reportVoiceMessages(as(partner), [
      { messageId: m.id, status: 'ANSWERED', durationSeconds: 90, at },
      { messageId: m.id, status: 'ANSWERED', durationSeconds: 90, at },
    ]);
    expect(first.map((r) => r.status)).toEqual(['STORED', 'ALREADY_REPORTED']);
    const again = await report(partner, m.id, 'ANSWERED', 90);
    const otherwise = await report(partner, m.id, 'UNANSWERED');
    expect([again.status, otherwise.status]).toEqual(['ALREADY_REPORTED', 'ALREADY_REPORTED']);
    expect(otherwise).toMatchObject({ message: { status: 'ANSWERED', billed_minutes: 2 } });
    expect(await usagesOf(m.id)).toEqual([{ package_id: packageIds[0], minutes: 2 }]);
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 28, reserved_minutes: 0 });
  });

  it('V3: per-item results: an unknown message, another app’s and bad items are errors of their item; the rest is stored', async () => {
    const { t, app, partner } = await tenantWithApp([{ total: 30, expiresInDays: 10 }]);
    const sibling = await voiceApp(w, t.tenantId);
    const mine = await send(partner, app.id);
    const theirs = await send(t.admin, sibling.id);
    const at = w.clock.now();
    const r = await reportVoiceMessages(as(partner), [
      { messageId: mine.id, status: 'ANSWERED', durationSeconds: 30, at },
      { messageId: theirs.id, status: 'ANSWERED', durationSeconds: 30, at },
      { messageId: '00000000-0000-4000-8000-000000000000', status: 'REJECTED', at },
      { messageId: 'not-an-id', status: 'REJECTED', at },
      { messageId: theirs.id, status: 'ANSWERED', at },
      { messageId: theirs.id, status: 'REJECTED', durationSeconds: 3, at },
      { messageId: theirs.id, status: 'REJECTED', at: new Date(at.getTime() + 3_600_000) },
    ]);
    expect(r.map((x) => (x.status === 'ERROR' ? [x.error.code, x.error.field] : x.status))).toEqual([
      'STORED',
      ['UNKNOWN_VOICE_MESSAGE', 'messageId'],
      ['UNKNOWN_VOICE_MESSAGE', 'messageId'],
      ['UNKNOWN_VOICE_MESSAGE', 'messageId'],
      ['INVALID_INPUT', 'durationSeconds'],
      ['INVALID_INPUT', 'durationSeconds'],
      ['INVALID_INPUT', 'at'],
    ]);
    expect((await messageRow(theirs.id)).status).toBe('QUEUED');
    // another tenant's admin sees no message of this tenant
    const other = await tenantWithApp([]);
    expect((await reportVoiceMessages(as(other.t.admin), [{ messageId: theirs.id, status: 'REJECTED', at }]))[0]).toMatchObject({ status: 'ERROR', error: { code: 'UNKNOWN_VOICE_MESSAGE' } });
    await expect(reportVoiceMessages(as(t.supervisor), [])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(reportVoiceMessages(as(partner), Array.from({ length: 501 }, () => ({ messageId: mine.id, status: 'FAILED' as const, at })))).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'reports' });
  });

  it('V3: concurrent reports never drive a package below 0, nor charge a message twice', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 10, remaining: 5, expiresInDays: 10 }]);
    const messages = [];
    for (let i = 0; i < 4; i++) messages.push(await send(partner, app.id));
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 5, reserved_minutes: 4 });
    // 4 × 3 minutes wanted, 5 held: each answer reported twice at once
    const outcomes = await Promise.all(messages.flatMap((m) => [report(partner, m.id, 'ANSWERED', 170), report(partner, m.id, 'ANSWERED', 170)]));
    expect(outcomes.filter((o) => o.status === 'STORED')).toHaveLength(4);
    expect(outcomes.filter((o) => o.status === 'ALREADY_REPORTED')).toHaveLength(4);
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 0, reserved_minutes: 0 });
    const rows = await w.db.selectFrom('voice_messages').select(['billed_minutes', 'unbilled_minutes']).where('app_id', '=', app.id).execute();
    expect(rows.reduce((s, r) => s + r.billed_minutes - r.unbilled_minutes, 0)).toBe(5);
    const used = await w.db.selectFrom('voice_package_usages').select((eb) => eb.fn.sum<string>('minutes').as('m')).where('package_id', '=', packageIds[0]!).executeTakeFirstOrThrow();
    expect(Number(used.m)).toBe(5);
  });
});

describe('V3: sends and reports at once', () => {
  it('V3: sends and outcomes racing over two packages all succeed (one lock order, no deadlock) and the minutes add up', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 100, remaining: 3, expiresInDays: 5 }, { total: 100, expiresInDays: 50 }]);
    const queued = [];
    for (let i = 0; i < 6; i++) queued.push(await send(partner, app.id));
    const outcomes = await Promise.allSettled([
      ...queued.map((m, i) => report(partner, m.id, 'ANSWERED', 61 + i)),
      ...queued.map(() => send(partner, app.id)),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    const [soon, late] = await Promise.all(packageIds.map((id) => packageRow(w, id)));
    // 6 answered × 2 minutes from 103 minutes; 6 new messages hold one each
    expect(soon!.remaining_minutes + late!.remaining_minutes).toBe(103 - 12);
    expect(soon!.reserved_minutes + late!.reserved_minutes).toBe(6);
    expect(soon!.remaining_minutes).toBeGreaterThanOrEqual(soon!.reserved_minutes);
  });
});

describe('V3: the timeout', () => {
  it('V3: a message with no outcome within the timeout is FAILED by its job, its minute released; one answered in time is not', async () => {
    const { app, partner, packageIds } = await tenantWithApp([{ total: 10, expiresInDays: 10 }]);
    const stale = await send(partner, app.id);
    const answered = await send(partner, app.id);
    await report(partner, stale.id, 'DELIVERING');
    const job = await w.db
      .selectFrom('graphile_worker.jobs' as never)
      .select(['task_identifier', 'key'] as never[])
      .where('key' as never, '=', timeoutJobKey(stale.id) as never)
      .executeTakeFirst();
    expect(job).toMatchObject({ task_identifier: VOICE_TIMEOUT_TASK });
    // not yet due: nothing happens
    expect(await failStaleMessage(w.ctx(), stale.id)).toBe(false);
    await report(partner, answered.id, 'ANSWERED', 10);
    w.clock.advance(w.ctx().settings.voiceMessageTimeoutSeconds);
    expect(await failStaleMessage(w.ctx(), stale.id)).toBe(true);
    expect(await failStaleMessage(w.ctx(), answered.id)).toBe(false);
    expect(await messageRow(stale.id)).toMatchObject({ status: 'FAILED', failure_reason: 'TIMEOUT', billed_minutes: 0 });
    expect((await messageRow(answered.id)).status).toBe('ANSWERED');
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 9, reserved_minutes: 0 });
    // a late outcome changes nothing
    expect((await report(partner, stale.id, 'ANSWERED', 50)).status).toBe('ALREADY_REPORTED');
    // the sweep finds one whose job was lost
    const lost = await send(partner, app.id);
    await sql`select graphile_worker.remove_job(${timeoutJobKey(lost.id)})`.execute(w.db);
    w.clock.advance(w.ctx().settings.voiceMessageTimeoutSeconds);
    expect(await sweepStaleMessages(w.ctx())).toBeGreaterThanOrEqual(1);
    expect((await messageRow(lost.id)).status).toBe('FAILED');
    expect(await packageRow(w, packageIds[0]!)).toEqual({ remaining_minutes: 9, reserved_minutes: 0 });
  });
});

describe('V3: the messages list', () => {
  it('V3: voiceMessages lists the key’s messages newest first, by app and status; a PARTNER key sees its app’s only', async () => {
    const { t, app, partner } = await tenantWithApp([{ total: 30, expiresInDays: 10 }]);
    const sibling = await voiceApp(w, t.tenantId);
    const a = await send(partner, app.id);
    w.clock.advance(1);
    const b = await send(t.admin, sibling.id);
    w.clock.advance(1);
    const c = await send(partner, app.id);
    await report(partner, c.id, 'REJECTED');
    const ids = async (actor: Actor, f: Parameters<typeof voiceMessagesQuery>[1] = {}) =>
      (await voiceMessagesQuery(as(actor), f).orderBy('voice_messages.created_at', 'desc').execute()).map((m) => m.id);
    expect(await ids(t.admin)).toEqual([c.id, b.id, a.id]);
    expect(await ids(t.supervisor, { appId: app.id })).toEqual([c.id, a.id]);
    expect(await ids(t.admin, { status: 'REJECTED' })).toEqual([c.id]);
    expect(await ids(partner)).toEqual([c.id, a.id]);
    expect(await ids(partner, { appId: sibling.id })).toEqual([]);
  });
});
