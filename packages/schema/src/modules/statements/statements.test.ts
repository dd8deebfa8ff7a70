import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { TenantFixture } from '../../../../../test/support/context.js';
import type { Actor } from '../../access/actor.js';
import { authenticate, createApiKey, createTenant, createUser } from '../tenants/tenants.service.js';
import { createPrivacyApp, moveNumbersToPool } from '../privacy/privacy.service.js';
import { reportCallEvents } from '../calls/calls.report.js';
import type { CallEventInput } from '../calls/calls.input.js';
import { adjustBalance, balanceOf, setTariff, topUpBalance } from '../billing/billing.service.js';
import { money } from '../billing/money.js';
import { voiceApp, voicePackage, voicePartner } from '../../../../../test/support/voice-fixtures.js';
import { sendVoiceMessage } from '../voice/voice.send.js';
import { reportVoiceMessages } from '../voice/voice.report.js';
import { closeDueStatements, closeStatement, sweepDueStatements, TOLL_FREE_NOTE, VOICE_MINUTES_NOTE } from './statements.close.js';
import { linesOfStatements } from './statements.queries.js';
import { sourcesOfLine } from './statements.sources.js';
import type { Statement } from './statements.table.js';

/** M2 in the service: month bounds, lines and their sources, reconciliation, idempotence, immutability. */

let s: PrivacyServiceWorld;
let acme: TenantFixture;
let appId: string;
let partner: Actor;
let x: string;
let utcTenant: string;
let poorTenant: string;
let seq = 0;
const id = (p: string) => `${p}-${++seq}`;

/** A call answered for `talk` seconds, ending at `end`. */
function call(talk: number, end: Date): CallEventInput[] {
  const callId = id('m2-call');
  const t = (s: number) => new Date(end.getTime() - (talk + 5 - s) * 1000);
  return [
    { eventId: id('e'), callId, type: 'CALLIN', occurredAt: t(0), caller: '+8613800001111', called: x },
    { eventId: id('e'), callId, type: 'ANSWER', occurredAt: t(5) },
    { eventId: id('e'), callId, type: 'DISCONNECT', occurredAt: t(5 + talk) },
  ];
}

/** A CDR written as the switch's report would leave it (for tenants without an app, and 400 numbers). */
async function cdr(tenantId: string, xE164: string, minutes: number, endedAt: Date) {
  await s.w.db
    .insertInto('cdrs')
    .values({
      tenant_id: tenantId,
      call_id: crypto.randomUUID(),
      switch_call_id: id('direct'),
      switch_event_id: id('direct-e'),
      x_e164: xE164,
      answered_at: new Date(endedAt.getTime() - minutes * 60_000),
      ended_at: endedAt,
      billable_minutes: minutes,
      created_at: s.w.clock.now(),
      updated_at: s.w.clock.now(),
    } as never)
    .execute();
}

const statementOf = (tenantId: string, month: string) =>
  s.w.db.selectFrom('statements').selectAll().where('tenant_id', '=', tenantId).where('month', '=', `${month}-01`).executeTakeFirst();
const lines = async (st: Statement) => linesOfStatements(s.w.ctx(), [st.id]);
const at = (iso: string) => s.w.clock.set(new Date(iso));

/** The sum of the ledger entries a statement holds, and of those the ledger dates in [from, to) (plus its usage payment). */
async function ledgerSums(st: Statement) {
  const held = await sql<{ sum: string | null }>`
    select sum(e.amount)::text as sum from ledger_entries e join statement_entries se on se.ledger_entry_id = e.id where se.statement_id = ${st.id}`.execute(s.w.db);
  return money(held.rows[0]!.sum ?? 0);
}

beforeAll(async () => {
  s = await privacyServiceWorld();
  acme = s.acme;
  const [n1] = await s.ownNumbers(acme, 2);
  x = n1!.e164;
  const { app } = await createPrivacyApp(s.w.ctx(acme.admin), { name: 'm2 app', mode: 'AXB' });
  appId = app.id;
  await moveNumbersToPool(s.w.ctx(acme.admin), app.id, [n1!.id]);
  const user = await createUser(s.w.ctx(), { tenantId: acme.tenantId, name: 'm2 switch', email: 'm2-switch@example.com', role: 'PARTNER' });
  partner = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
  utcTenant = (await createTenant(s.w.ctx(), { name: 'Utc', timeZone: 'UTC' })).id;
  poorTenant = (await createTenant(s.w.ctx(), { name: 'Poor' })).id;
  await topUpBalance(s.w.ctx(), { tenantId: utcTenant, amount: '100' });
  // November in Shanghai: calls of 61 s (2 minutes), 30 s (1 minute) and 0 s (0 minutes)
  const end = new Date('2026-11-25T01:00:00Z');
  const r = await reportCallEvents(s.w.ctx(partner), [...call(61, end), ...call(30, end), ...call(0, end)]);
  expect(r.every((x) => x.status === 'STORED')).toBe(true);
  // a 400 number of Acme with 5 minutes of calls, and 30 minutes of a tenant with no money
  await s.w.db
    .insertInto('numbers')
    .values({ e164: '+864001234567', type: 'TOLL_FREE_400', tier: 'STANDARD', province: '北京', city: '北京', carrier: 'CHINA_TELECOM', status: 'ACTIVE', tenant_id: acme.tenantId, created_at: end, updated_at: end } as never)
    .execute();
  await cdr(acme.tenantId, '+864001234567', 5, end);
  await cdr(poorTenant, '+862100000000', 30, end);
});
afterAll(() => s?.w.drop());

describe('M2: monthly statements', () => {
  it('M2: months are counted in the tenant’s time zone: a top-up at 2026-11-30T17:00Z is December’s in Shanghai, November’s in UTC', async () => {
    at('2026-11-30T17:00:00Z');
    await topUpBalance(s.w.ctx(), { tenantId: acme.tenantId, amount: '7', note: 'late top-up' });
    await topUpBalance(s.w.ctx(), { tenantId: utcTenant, amount: '7' });
    at('2026-11-30T23:59:59Z');
    await sweepDueStatements(s.w.ctx());
    expect(await statementOf(utcTenant, '2026-11')).toBeUndefined(); // not yet the 1st in UTC
    const shanghai = await statementOf(acme.tenantId, '2026-11');
    expect(shanghai).toMatchObject({ time_zone: 'Asia/Shanghai', period_start: new Date('2026-10-31T16:00:00Z'), period_end: new Date('2026-11-30T16:00:00Z'), top_ups: '100000.000' });
    at('2026-12-01T00:09:59Z');
    await sweepDueStatements(s.w.ctx());
    expect(await statementOf(utcTenant, '2026-11')).toBeUndefined(); // the calls of the month's last seconds are still being reported
    at('2026-12-01T00:10:00Z');
    await sweepDueStatements(s.w.ctx());
    expect(await statementOf(utcTenant, '2026-11')).toMatchObject({ period_start: new Date('2026-11-01T00:00:00Z'), period_end: new Date('2026-12-01T00:00:00Z'), top_ups: '107.000' });
  });

  it('M2: the lines: number rents grouped by price with their order lines as sources, call minutes per app charged at CALL_MINUTE with the CDRs as sources, 400 minutes at 0 with the note', async () => {
    const st = (await statementOf(acme.tenantId, '2026-11'))!;
    const got = await lines(st);
    expect(got.map((l) => [l.kind, l.quantity, l.unit_price, l.amount, l.note])).toEqual([
      ['NUMBER_RENT', 2, '50.000', '100.000', null],
      ['CALL_MINUTES', 3, '0.100', '0.300', null],
      ['CALL_MINUTES', 5, '0.000', '0.000', TOLL_FREE_NOTE],
    ]);
    expect(got[1]!.description).toContain('privacy app m2 app');
    expect(st.total).toBe('100.300');
    const ctx = s.w.ctx(acme.admin);
    const rent = await sourcesOfLine(ctx, got[0]!, { first: 10 });
    expect(rent.edges.map((e) => [e!.node.kind, e!.node.orderLine?.kind, e!.node.orderLine?.amount])).toEqual([
      ['ORDER_LINE', 'NUMBER_PURCHASE', '50.000'],
      ['ORDER_LINE', 'NUMBER_PURCHASE', '50.000'],
    ]);
    expect(rent.edges.every((e) => e!.node.orderId && e!.node.ledgerEntryId)).toBe(true);
    // the CDRs of the line, a page at a time: their billable minutes are the line's quantity
    const page1 = await sourcesOfLine(ctx, got[1]!, { first: 2 });
    const page2 = await sourcesOfLine(ctx, got[1]!, { first: 2, after: page1.pageInfo.endCursor });
    const cdrs = [...page1.edges, ...page2.edges].map((e) => e!.node.cdr!);
    expect(cdrs.map((c) => c.app_id)).toEqual([appId, appId, appId]);
    expect(cdrs.reduce((sum, c) => sum + c.billable_minutes, 0)).toBe(3);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const tollFree = await sourcesOfLine(ctx, got[2]!, { first: 10 });
    expect(tollFree.edges.map((e) => [e!.node.cdr!.x_e164, e!.node.cdr!.billable_minutes])).toEqual([['+864001234567', 5]]);
    // another tenant's key reads none of them
    expect((await sourcesOfLine(s.w.ctx(s.beta.admin), got[1]!, { first: 10 })).edges).toEqual([]);
    expect((await sourcesOfLine(s.w.ctx(s.beta.admin), got[0]!, { first: 10 })).edges).toEqual([]);
  });

  it('M2: call minutes are charged at close even without the money for them: the balance goes into arrears', async () => {
    const st = (await statementOf(poorTenant, '2026-11'))!;
    expect((await lines(st)).map((l) => [l.kind, l.quantity, l.amount])).toEqual([['CALL_MINUTES', 30, '3.000']]);
    expect(st).toMatchObject({ opening_balance: '0.000', top_ups: '0.000', total: '3.000', closing_balance: '-3.000' });
    expect((await balanceOf(s.w.ctx(), poorTenant)).amount).toBe('-3.000');
  });

  it('M2: idempotent: the job run twice, the sweep again and three closes at once leave one statement and one usage charge', async () => {
    const before = await s.w.db.selectFrom('orders').select('id').where('tenant_id', '=', acme.tenantId).where('kind', '=', 'MONTHLY_USAGE').execute();
    expect(before).toHaveLength(1);
    expect(await closeDueStatements(s.w.ctx(), acme.tenantId)).toEqual([]);
    expect(await closeDueStatements(s.w.ctx(), acme.tenantId)).toEqual([]);
    expect(await sweepDueStatements(s.w.ctx())).toBe(0);
    expect(await Promise.all([0, 1, 2].map(() => closeStatement(s.w.ctx(), acme.tenantId, '2026-11')))).toEqual([null, null, null]);
    const statements = await s.w.db.selectFrom('statements').select('id').where('tenant_id', '=', acme.tenantId).execute();
    expect(statements).toHaveLength(1);
    const after = await s.w.db.selectFrom('orders').select('id').where('tenant_id', '=', acme.tenantId).where('kind', '=', 'MONTHLY_USAGE').execute();
    expect(after).toEqual(before);
    // the job that ran early (mid-December) closes nothing and is queued for the next 1st in Shanghai
    at('2026-12-15T00:00:00Z');
    expect(await closeDueStatements(s.w.ctx(), acme.tenantId)).toEqual([]);
    const job = await sql<{ flags: Record<string, unknown> }>`select flags from graphile_worker.jobs where key = ${`statements:${acme.tenantId}`}`.execute(s.w.db);
    expect(Object.keys(job.rows[0]!.flags)).toEqual(['due:2026-12-31T16:10:00.000Z']); // 00:10 on 1 January in Shanghai
  });

  it('M2: reconciliation: closing − opening = top-ups − total = the sum of the statement’s ledger entries, and each month opens where the last closed', async () => {
    // December: a charge of another price, a tariff change, a late movement of November, an operator's correction
    await setTariff(s.w.ctx(), { code: 'CALL_MINUTE', amount: '0.25' });
    await reportCallEvents(s.w.ctx(partner), call(120, new Date('2026-12-15T00:00:00Z')));
    await adjustBalance(s.w.ctx(), { tenantId: acme.tenantId, amount: '20', note: 'November’s rent refunded' });
    at('2026-12-16T00:00:00Z');
    await adjustBalance(s.w.ctx(), { tenantId: acme.tenantId, amount: '-1.5', note: 'undercharge' });
    // a transaction that began on 30 November (Shanghai) and committed after November closed: on December's statement
    at('2026-11-30T15:00:00Z');
    await topUpBalance(s.w.ctx(), { tenantId: acme.tenantId, amount: '3', note: 'late commit' });
    at('2027-01-01T00:10:00Z');
    await sweepDueStatements(s.w.ctx());
    const nov = (await statementOf(acme.tenantId, '2026-11'))!;
    const dec = (await statementOf(acme.tenantId, '2026-12'))!;
    expect((await lines(dec)).map((l) => [l.kind, l.quantity, l.unit_price, l.amount, l.description])).toEqual([
      ['CALL_MINUTES', 2, '0.250', '0.500', expect.stringContaining('privacy app m2 app')],
      ['ADJUSTMENT', 1, '-20.000', '-20.000', 'November’s rent refunded'],
      ['ADJUSTMENT', 1, '1.500', '1.500', 'undercharge'],
    ]);
    expect(dec).toMatchObject({ opening_balance: nov.closing_balance, top_ups: '10.000', total: '-18.000' });
    for (const st of [nov, dec]) {
      const [opening, closing, topUps, total] = [st.opening_balance, st.closing_balance, st.top_ups, st.total].map(money) as [ReturnType<typeof money>, ReturnType<typeof money>, ReturnType<typeof money>, ReturnType<typeof money>];
      expect(closing.minus(opening).toFixed(3)).toBe(topUps.minus(total).toFixed(3));
      expect((await ledgerSums(st)).toFixed(3)).toBe(closing.minus(opening).toFixed(3));
      expect(total.toFixed(3)).toBe((await lines(st)).reduce((sum, l) => sum.plus(l.amount), money(0)).toFixed(3));
    }
    // every ledger entry of the tenant is on exactly one statement, and the last closing balance is the balance
    const unplaced = await sql<{ n: number }>`select count(*)::int as n from ledger_entries e where e.tenant_id = ${acme.tenantId}
      and not exists (select 1 from statement_entries se where se.ledger_entry_id = e.id)`.execute(s.w.db);
    expect(unplaced.rows[0]!.n).toBe(0);
    expect((await balanceOf(s.w.ctx(acme.admin))).amount).toBe(dec.closing_balance);
  });

  it('M2: a CDR reported after its month closed is charged on the next statement, once', async () => {
    const ctx = s.w.ctx(acme.admin);
    const dec = (await statementOf(acme.tenantId, '2026-12'))!;
    const decCdrs = async () => (await sourcesOfLine(ctx, (await lines(dec))[0]!, { first: 10 })).edges.map((e) => e!.node.cdr!.id);
    const decBefore = await decCdrs();
    // the switch reports in January a call that ended on 20 December (2 minutes), after December closed;
    // and a call that ended at 00:02 on 1 February in Shanghai, stored before January's close; and
    // one of January's last seconds stored in the minute before the close (USAGE_SETTLE_MS: February's)
    at('2027-01-10T00:00:00Z');
    await reportCallEvents(s.w.ctx(partner), call(90, new Date('2026-12-20T00:00:00Z')));
    at('2027-01-31T16:03:00Z');
    await reportCallEvents(s.w.ctx(partner), call(30, new Date('2027-01-31T16:02:00Z')));
    at('2027-01-31T16:09:30Z');
    await reportCallEvents(s.w.ctx(partner), call(40, new Date('2027-01-31T15:59:50Z')));
    at('2027-01-31T16:10:00Z');
    await sweepDueStatements(s.w.ctx());
    const jan = (await statementOf(acme.tenantId, '2027-01'))!;
    const [line, ...more] = await lines(jan);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ kind: 'CALL_MINUTES', quantity: 2, unit_price: '0.250', amount: '0.500' });
    expect(line!.description).toBe('Call minutes, privacy app m2 app (1 call, 1 of them ended in 2026-12, reported too late for that month’s statement), 2027-01');
    const janCdrs = (await sourcesOfLine(ctx, line!, { first: 10 })).edges.map((e) => e!.node.cdr!);
    expect(janCdrs.map((c) => [c.ended_at, c.billable_minutes])).toEqual([[new Date('2026-12-20T00:00:00Z'), 2]]);
    // December's statement is as it was: its sources do not take the late call in
    expect(await decCdrs()).toEqual(decBefore);
    // February charges the call of its first minutes and the one stored as January closed, not the late one again
    at('2027-02-28T16:10:00Z');
    await sweepDueStatements(s.w.ctx());
    const feb = (await statementOf(acme.tenantId, '2027-02'))!;
    expect((await lines(feb)).map((l) => [l.kind, l.quantity, l.amount, l.description])).toEqual([
      ['CALL_MINUTES', 2, '0.500', 'Call minutes, privacy app m2 app (2 calls, 1 of them ended in 2027-01, reported too late for that month’s statement), 2027-02'],
    ]);
    // every minute of the app's CDRs charged exactly once, across the statements
    const charged = await sql<{ n: number }>`select sum(quantity)::int as n from order_lines where kind = 'CALL_MINUTES' and subject_id = ${appId}`.execute(s.w.db);
    const reported = await sql<{ n: number }>`select sum(billable_minutes)::int as n from cdrs where app_id = ${appId}`.execute(s.w.db);
    expect(charged.rows[0]!.n).toBe(reported.rows[0]!.n);
    expect(charged.rows[0]!.n).toBe(3 + 2 + 2 + 2);
    expect(await closeDueStatements(s.w.ctx(), acme.tenantId)).toEqual([]);
  });

  it('M2: a VOICE_MINUTES line per voice app: the package minutes its messages took in the month, 0 CNY (paid by the packages), the messages as sources; a late outcome lands on the next month', async () => {
    at('2027-03-05T00:00:00Z');
    const tenantId = (await createTenant(s.w.ctx(), { name: 'Voicy' })).id;
    const [parcels, clinic] = [await voiceApp(s.w, tenantId, { name: 'Parcels' }), await voiceApp(s.w, tenantId, { name: 'Clinic' })];
    await voicePackage(s.w, tenantId, { total: 100, expiresAt: new Date('2027-06-01T00:00:00Z') });
    const switches = { [parcels.id]: (await voicePartner(s.w, tenantId, parcels.id)).actor, [clinic.id]: (await voicePartner(s.w, tenantId, clinic.id)).actor };
    const message = async (appId: string, seconds: number | null, reportAt?: Date) => {
      const m = await sendVoiceMessage(s.w.ctx(switches[appId]), { appId, to: '+8613800138000', text: 'Your parcel arrives today' });
      const report = () => reportVoiceMessages(s.w.ctx(switches[appId]), [{ messageId: m.id, status: seconds === null ? 'UNANSWERED' : 'ANSWERED', durationSeconds: seconds, at: reportAt ?? s.w.clock.now() }]);
      if (!reportAt) expect((await report())[0]!.status).toBe('STORED');
      return { id: m.id, report };
    };
    const answered = [await message(parcels.id, 75), await message(parcels.id, 61), await message(clinic.id, 30)];
    await message(parcels.id, null);
    // 23:59 on 31 March in Shanghai: answered at once, its outcome stored after March closed
    at('2027-03-31T15:59:00Z');
    const late = await message(clinic.id, 20, new Date('2027-03-31T15:59:30Z'));
    at('2027-03-31T16:20:00Z');
    await closeDueStatements(s.w.ctx(), tenantId);
    at('2027-03-31T16:21:00Z');
    expect((await late.report())[0]!.status).toBe('STORED');
    const march = (await statementOf(tenantId, '2027-03'))!;
    const got = await lines(march);
    expect(got.map((l) => [l.kind, l.quantity, l.unit_price, l.amount, l.tariff_code, l.description, l.note])).toEqual([
      ['VOICE_MINUTES', 1, '0.000', '0.000', null, 'Voice-message minutes, voice app Clinic (1 message): paid by the prepaid minute packages (V2, V3)', VOICE_MINUTES_NOTE],
      ['VOICE_MINUTES', 4, '0.000', '0.000', null, 'Voice-message minutes, voice app Parcels (2 messages): paid by the prepaid minute packages (V2, V3)', VOICE_MINUTES_NOTE],
    ]);
    expect(march).toMatchObject({ total: '0.000', opening_balance: '0.000', closing_balance: '0.000' });
    const ctx = s.w.ctx(acme.admin);
    const sources = async (l: (typeof got)[number], c = s.w.ctx()) => (await sourcesOfLine(c, l, { first: 10 })).edges.map((e) => [e!.node.kind, e!.node.voiceMessage!.id, e!.node.voiceMessage!.billed_minutes]);
    expect(await sources(got[0]!)).toEqual([['VOICE_MESSAGE', answered[2]!.id, 1]]);
    expect((await sources(got[1]!)).sort()).toEqual([['VOICE_MESSAGE', answered[0]!.id, 2], ['VOICE_MESSAGE', answered[1]!.id, 2]].sort());
    // another tenant's key, and the other app's PARTNER key, read none of them
    expect(await sources(got[1]!, ctx)).toEqual([]);
    expect(await sources(got[1]!, s.w.ctx(switches[clinic.id]))).toEqual([]);
    // the late outcome: on April's statement, which says so
    at('2027-04-30T16:10:00Z');
    await closeDueStatements(s.w.ctx(), tenantId);
    const [april, ...none] = await lines((await statementOf(tenantId, '2027-04'))!);
    expect(none).toEqual([]);
    expect(april).toMatchObject({ kind: 'VOICE_MINUTES', quantity: 1, amount: '0.000' });
    expect(april!.description).toBe('Voice-message minutes, voice app Clinic (1 message, 1 of them answered in 2027-03, reported too late for that month’s statement): paid by the prepaid minute packages (V2, V3)');
    expect(await sources(april!)).toEqual([['VOICE_MESSAGE', late.id, 1]]);
  });

  it('M2: a closed statement is immutable: no UPDATE path, the database refuses one', async () => {
    const nov = (await statementOf(acme.tenantId, '2026-11'))!;
    await expect(sql`update statements set total = 0 where id = ${nov.id}`.execute(s.w.db)).rejects.toThrow(/immutable/);
    await expect(sql`update statement_lines set amount = 0 where statement_id = ${nov.id}`.execute(s.w.db)).rejects.toThrow(/immutable/);
    expect((await statementOf(acme.tenantId, '2026-11'))!.total).toBe(nov.total);
  });
});
