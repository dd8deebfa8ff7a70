import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { Actor } from '../../access/actor.js';
import { authenticate, createApiKey, createUser } from '../tenants/tenants.service.js';
import { bind, createPrivacyApp, moveNumbersToPool } from '../privacy/privacy.service.js';
import type { PrivacyApp } from '../privacy/privacy.table.js';
import { reportCallEvents } from './calls.report.js';
import type { CallEventInput } from './calls.input.js';
import { maintainCallPartitions, partitionsOf } from './calls.partitions.js';

/** C1, C2 in the service: per-item results, duplicates, order, CDR billing, ownership. */

let s: PrivacyServiceWorld;
let acmeApp: PrivacyApp, betaApp: PrivacyApp;
let acmeX: string, betaX: string;
let partner: Actor, betaPartner: Actor;
const as = (a: Actor) => s.w.ctx(a);
let seq = 0;
const id = (p: string) => `${p}-${++seq}`;

async function appWithPool(tenant: PrivacyServiceWorld['acme'], name: string) {
  const { app } = await createPrivacyApp(as(tenant.admin), { name, mode: 'AXB' });
  const [n] = await s.ownNumbers(tenant, 1);
  await moveNumbersToPool(as(tenant.admin), app.id, [n!.id]);
  const user = await createUser(s.w.ctx(), { tenantId: tenant.tenantId, name: `switch ${name}`, email: `switch-${app.id.slice(0, 8)}@example.com`, role: 'PARTNER' });
  const key = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
  return { app, x: n!.e164, key };
}

beforeAll(async () => {
  s = await privacyServiceWorld();
  ({ app: acmeApp, x: acmeX, key: partner } = await appWithPool(s.acme, 'calls acme'));
  ({ app: betaApp, x: betaX, key: betaPartner } = await appWithPool(s.beta, 'calls beta'));
});
afterAll(() => s?.w.drop());

const at = (offsetS: number) => new Date(s.w.clock.now().getTime() - 3_600_000 + offsetS * 1000);
/** A whole call: CALLIN at 0, CALLOUT 1 s, ALERTING 2 s, ANSWER at `answerAt` (null: never), DISCONNECT at `endAt`. */
function call(x: string, answerAt: number | null, endAt: number, callId = id('call')): CallEventInput[] {
  return [
    { eventId: id('e'), callId, type: 'CALLIN', occurredAt: at(0), caller: '+8613800001111', called: x },
    { eventId: id('e'), callId, type: 'CALLOUT', occurredAt: at(1), callee: '+8613900002222' },
    { eventId: id('e'), callId, type: 'ALERTING', occurredAt: at(2) },
    ...(answerAt === null ? [] : [{ eventId: id('e'), callId, type: 'ANSWER' as const, occurredAt: at(answerAt) }]),
    { eventId: id('e'), callId, type: 'DISCONNECT', occurredAt: at(endAt), failureReason: answerAt === null ? 'NO_ANSWER' : null },
  ];
}
const cdrOf = (callId: string) => s.w.db.selectFrom('cdrs').selectAll().where('switch_call_id', '=', callId).execute();

describe('C2: billing by the answer time', () => {
  for (const [talk, minutes] of [
    [0, 0],
    [1, 1],
    [60, 1],
    [61, 2],
  ] as const)
    it(`C2: ${talk} s of talk bills ${minutes} minute(s)`, async () => {
      const events = call(acmeX, 10, 10 + talk);
      const results = await reportCallEvents(as(partner), events);
      expect(results.map((r) => r.status)).toEqual(events.map(() => 'STORED'));
      const [cdr] = await cdrOf(events[0]!.callId);
      expect(cdr).toMatchObject({ billable_minutes: minutes, caller_e164: '+8613800001111', callee_e164: '+8613900002222', x_e164: acmeX, app_id: acmeApp.id });
      expect(cdr!.answered_at).toEqual(at(10));
      expect(cdr!.alerting_at).toEqual(at(2));
    });

  it('C2: an unanswered call bills 0 and keeps its failure reason', async () => {
    const events = call(acmeX, null, 40);
    await reportCallEvents(as(partner), events);
    expect(await cdrOf(events[0]!.callId)).toMatchObject([{ billable_minutes: 0, answered_at: null, failure_reason: 'NO_ANSWER' }]);
  });
});

describe('C1: reports', () => {
  it('C1: a repeated report is stored once and answered DUPLICATE; the CDR is written once', async () => {
    const events = call(acmeX, 5, 100);
    await reportCallEvents(as(partner), events);
    const again = await reportCallEvents(as(partner), events);
    expect(again.map((r) => r.status)).toEqual(events.map(() => 'DUPLICATE'));
    expect(await cdrOf(events[0]!.callId)).toHaveLength(1);
    const stored = await s.w.db.selectFrom('call_events').select('switch_event_id').where('switch_event_id', 'in', events.map((e) => e.eventId)).execute();
    expect(stored).toHaveLength(events.length);
  });

  it('C1: DISCONNECT before ANSWER in one batch: the ANSWER still counts', async () => {
    const events = call(acmeX, 10, 130);
    const swapped = [events[0]!, events[1]!, events[2]!, events[4]!, events[3]!];
    await reportCallEvents(as(partner), swapped);
    expect(await cdrOf(events[0]!.callId)).toMatchObject([{ billable_minutes: 2 }]);
  });

  it('C1: an ANSWER reported after the DISCONNECT (next batch) amends the CDR', async () => {
    const events = call(acmeX, 10, 70);
    await reportCallEvents(as(partner), events.filter((e) => e.type !== 'ANSWER'));
    expect(await cdrOf(events[0]!.callId)).toMatchObject([{ billable_minutes: 0 }]);
    const [late] = await reportCallEvents(as(partner), events.filter((e) => e.type === 'ANSWER'));
    expect(late!.status).toBe('STORED');
    expect(await cdrOf(events[0]!.callId)).toMatchObject([{ billable_minutes: 1 }]);
    const row = await s.w.db.selectFrom('calls').select('state').where('switch_call_id', '=', events[0]!.callId).executeTakeFirstOrThrow();
    expect(row.state).toBe('ENDED');
  });

  it('C1: each stored event’s row keeps its call’s tenant and app and what the event carried, also in a batch of two tenants (an OPERATOR’s)', async () => {
    const [mine, theirs] = [call(acmeX, 5, 20), call(betaX, 5, 20)];
    const results = await reportCallEvents(s.w.ctx(), [...mine, ...theirs]);
    expect(results.every((r) => r.status === 'STORED')).toBe(true);
    const rows = await s.w.db
      .selectFrom('call_events')
      .innerJoin('calls', 'calls.id', 'call_events.call_id')
      .select(['calls.switch_call_id', 'call_events.tenant_id', 'call_events.app_id', 'call_events.type', 'call_events.payload', 'call_events.received_at'])
      .where('calls.switch_call_id', 'in', [mine[0]!.callId, theirs[0]!.callId])
      .orderBy('call_events.occurred_at')
      .execute();
    const of = (callId: string, app: PrivacyApp) =>
      rows.filter((r) => r.switch_call_id === callId).map((r) => [r.tenant_id, r.app_id, r.type, r.payload, r.received_at.getTime()]).map(([t, a, type, payload, at]) => ({ own: t === app.tenant_id && a === app.id, type, payload, at }));
    for (const [events, app] of [[mine, acmeApp], [theirs, betaApp]] as const) {
      const got = of(events[0]!.callId, app);
      expect(got.map((r) => [r.own, r.type])).toEqual(events.map((e) => [true, e.type]));
      const carried = (e: CallEventInput) => Object.fromEntries((['caller', 'called', 'callee', 'failureReason', 'recordingUrl', 'userData'] as const).filter((k) => e[k] != null).map((k) => [k, e[k]]));
      expect(got.map((r) => r.payload)).toEqual(events.map(carried));
      expect(got.filter((r) => Object.keys(r.payload as object).length === 0).length).toBeGreaterThan(0);
      expect(new Set(got.map((r) => r.at))).toEqual(new Set([s.w.clock.now().getTime()]));
    }
  });

  it('C1: an event of an unknown call is an error of that item; the rest of the batch is stored', async () => {
    const events = call(acmeX, 5, 20);
    const batch = [...events.slice(0, 2), { eventId: id('e'), callId: 'never-seen', type: 'ANSWER' as const, occurredAt: at(3) }, ...events.slice(2)];
    const results = await reportCallEvents(as(partner), batch);
    expect(results.map((r) => r.status)).toEqual(['STORED', 'STORED', 'ERROR', 'STORED', 'STORED', 'STORED']);
    expect(results[2]).toMatchObject({ status: 'ERROR', error: { code: 'UNKNOWN_CALL', field: 'callId' } });
    expect(await cdrOf(events[0]!.callId)).toHaveLength(1);
  });

  it('C1: a number the key does not own (another app’s, another tenant’s) is an item error; the call of another app is unknown to the key', async () => {
    const [own, foreign] = await reportCallEvents(as(partner), [call(acmeX, 1, 2)[0]!, call(betaX, 1, 2)[0]!]);
    expect(own!.status).toBe('STORED');
    expect(foreign).toMatchObject({ status: 'ERROR', error: { code: 'CALL_NUMBER_NOT_OWNED' } });
    const mine = call(betaX, 1, 5);
    await reportCallEvents(as(betaPartner), mine.slice(0, 1));
    const [other] = await reportCallEvents(as(partner), mine.slice(1, 2));
    expect(other).toMatchObject({ status: 'ERROR', error: { code: 'UNKNOWN_CALL' } });
    expect(betaApp.tenant_id).not.toBe(acmeApp.tenant_id);
  });

  it('C1: the binding’s user data goes into the call and its CDR (P5)', async () => {
    const b = await bind(as(s.acme.admin), acmeApp.id, { a: '+8613800001111', b: '+8613900002222', x: acmeX, userData: 'order 42' });
    const events = call(acmeX, 3, 9);
    events[0]!.bindingId = b.id;
    await reportCallEvents(as(partner), events);
    expect(await cdrOf(events[0]!.callId)).toMatchObject([{ binding_id: b.id, user_data: 'order 42' }]);
  });

  it('C1: a batch of more than 500 is refused naming events', async () => {
    const many = Array.from({ length: 501 }, () => call(acmeX, 1, 2)[0]!);
    await expect(reportCallEvents(as(partner), many)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'events' });
  });
});

describe('C2: monthly partitions', () => {
  it('C2: the job creates the current and next two months and drops months past the retention', async () => {
    await maintainCallPartitions(s.w.ctx());
    const names = (await partitionsOf(s.w.db)).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['cdrs_202611', 'cdrs_202612', 'cdrs_202701', 'call_events_202611', 'call_events_202701']));
    await maintainCallPartitions(s.w.ctx(), 2);
    expect((await partitionsOf(s.w.db)).map((p) => p.name)).toContain('cdrs_202611');
    const later = { ...s.w.ctx(), clock: { now: () => new Date('2027-03-15T00:00:00Z') } } as ReturnType<typeof s.w.ctx>;
    await maintainCallPartitions(later, 2);
    const after = (await partitionsOf(s.w.db)).map((p) => p.name);
    expect(after).not.toContain('cdrs_202611');
    expect(after).toContain('cdrs_202701');
  });
});
