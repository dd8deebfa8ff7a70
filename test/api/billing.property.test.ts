import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, createApiKey, createTenant, createUser, importNumbers, payOrder, purchaseNumber, sweepOverdue, topUpBalance, type Actor } from '@callplane/schema';
import { serviceWorld, type ServiceWorld } from '../support/context.js';
import { insertQualification } from '../support/qualifications.js';
import { setAutoRenew } from '../../packages/schema/src/modules/numbers/numbers.terms.js';
import { runUnsubscribeChecks, unsubscribeNumbers } from '../../packages/schema/src/modules/numbers/unsubscribe.service.js';
import { createPrivacyApp, moveNumbersToPool } from '../../packages/schema/src/modules/privacy/privacy.service.js';
import { reportCallEvents } from '../../packages/schema/src/modules/calls/calls.report.js';
import { createVoiceApp } from '../../packages/schema/src/modules/voice/voice.apps.js';
import { openVoiceNumbers } from '../../packages/schema/src/modules/voice/voice.numbers.js';
import { buyVoicePackage } from '../../packages/schema/src/modules/voice/voice.packages.js';
import { sendVoiceMessage } from '../../packages/schema/src/modules/voice/voice.send.js';
import { reportVoiceMessages } from '../../packages/schema/src/modules/voice/voice.report.js';

/**
 * Issue 14's property test (V1–V3, M1, M2): random months of activity for several tenants, in
 * Asia/Shanghai or UTC — voice numbers opened and closed, minute packages bought, voice messages
 * and privacy calls of random lengths, top-ups — driven through the services with the manual
 * clock across two month boundaries, the monthly jobs run by the sweeps at each 1st; then every
 * balance, every statement (opening, top-ups, total, closing) and the minutes left are compared
 * with a reference computed here from the seeds' tables alone, in integer thousandths of a yuan:
 * 50 CNY per voice number and month (the opening month whole, no fee from the month after
 * unsubscribing), the package price table of seed 004, ceil(duration / 60 s) minutes, a local
 * number's rent of 50 CNY a month (renewed monthly), and call minutes at the CALL_MINUTE tariff's
 * 0.100 CNY charged when the month's statement closes. Some calls are reported late: in the month
 * after the one they ended in, once its statement closed; they are charged on the statement of the
 * month they were reported in, once. Each statement's VOICE_MINUTES lines hold, per voice app, the
 * package minutes its messages took in the month (0 CNY).
 */

const CNY = 1000; // thousandths
const VOICE_FEE = 50 * CNY;
const LOCAL_RENT = 50 * CNY;
const CALL_MINUTE = 100; // 0.100 CNY
const FIXED_10K = 1050 * CNY;
/** Seed 004: a custom package's unit price by its quantity's bracket, in thousandths per minute. */
const customUnit = (m: number) => (m < 10_000 ? 110 : m < 100_000 ? 105 : m < 500_000 ? 100 : m < 1_000_000 ? 95 : m < 3_000_000 ? 90 : 85);
const ceilMinutes = (seconds: number) => Math.ceil(seconds / 60);
const cny = (thousandths: number) => `${thousandths < 0 ? '-' : ''}${Math.floor(Math.abs(thousandths) / 1000)}.${String(Math.abs(thousandths) % 1000).padStart(3, '0')}`;

type Action =
  | { kind: 'topUp'; amount: number }
  | { kind: 'open'; count: number }
  | { kind: 'close' }
  | { kind: 'package'; minutes: number | null }
  | { kind: 'message'; seconds: number; answered: boolean }
  | { kind: 'call'; seconds: number; answered: boolean; late: boolean };
interface Step {
  day: number;
  tenant: number;
  action: Action;
}

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('topUp' as const), amount: fc.integer({ min: 1, max: 2_000_000 }) }),
  fc.record({ kind: fc.constant('open' as const), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('close' as const) }),
  fc.record({ kind: fc.constant('package' as const), minutes: fc.option(fc.integer({ min: 1, max: 120 }).map((k) => k * 1000), { nil: null }) }),
  fc.record({ kind: fc.constant('message' as const), seconds: fc.integer({ min: 0, max: 900 }), answered: fc.boolean() }),
  fc.record({ kind: fc.constant('call' as const), seconds: fc.integer({ min: 0, max: 600 }), answered: fc.boolean(), late: fc.boolean() }),
);
const scenarioArb = fc.record({
  zones: fc.array(fc.constantFrom('Asia/Shanghai', 'UTC'), { minLength: 2, maxLength: 3 }),
  steps: fc.array(fc.record({ day: fc.integer({ min: 0, max: 50 }), tenant: fc.nat(2), action: actionArb }), { minLength: 6, maxLength: 16 }),
});

/** Month bounds computed here (not the product's helper): the zones of the test have fixed offsets. */
const OFFSET_H: Record<string, number> = { 'Asia/Shanghai': 8, UTC: 0 };
const monthIndex = (at: Date, zone: string) => {
  const local = new Date(at.getTime() + OFFSET_H[zone]! * 3_600_000);
  return local.getUTCFullYear() * 12 + local.getUTCMonth();
};
const monthStart = (index: number, zone: string) => new Date(Date.UTC(Math.floor(index / 12), index % 12, 1) - OFFSET_H[zone]! * 3_600_000);
const monthLabel = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
/** A date column as YYYY-MM-DD, whether the driver gave a string or a local-midnight Date. */
const dateOf = (v: string | Date) => (typeof v === 'string' ? v.slice(0, 10) : `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`);

let w: ServiceWorld;
let serial = 0;
let firstMonth = 2027 * 12; // January 2027: each run takes the next three months

beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

interface TenantRun {
  zone: string;
  tenantId: string;
  admin: Actor;
  partner: Actor;
  voiceAppId: string;
  x: string;
  m0: number;
  /** Reference: every money movement (signed thousandths) with its month, the call minutes per statement month, the package minutes taken per month. */
  moves: { month: number; amount: number; topUp: boolean }[];
  callMinutes: Map<number, number>;
  voiceMinutes: Map<number, number>;
  /** Reference: the open voice numbers' opening times (oldest first), the closed ones', the minutes left. */
  open: { numberId: string; openedAt: Date }[];
  closed: { openedAt: Date; closedAt: Date }[];
  minutesLeft: number;
}

async function actorFor(tenantId: string, role: 'TENANT_ADMIN' | 'PARTNER', appId?: string): Promise<Actor> {
  const user = await createUser(w.ctx(), { tenantId, name: `prop ${role} ${++serial}`, email: `prop-${serial}@${tenantId.slice(0, 8)}.example`, role });
  return (await authenticate(w.ctx(), (await createApiKey(w.ctx(), { userId: user.id, appId })).secret))!;
}

const local = (count: number, city: '杭州' | '宁波') =>
  Array.from({ length: count }, () => ({ number: `0${city === '杭州' ? 571 : 574} 6${String(++serial).padStart(7, '0')}`, type: 'LOCAL', province: '浙江', city, carrier: 'CHINA_TELECOM' }));

/** A tenant at the run's start: money, a qualification, a privacy app with one rented number (auto-renew), a voice app. */
async function setUpTenant(zone: string, now: Date): Promise<TenantRun> {
  const tenantId = (await createTenant(w.ctx(), { name: `Prop ${++serial}`, timeZone: zone })).id;
  const admin = await actorFor(tenantId, 'TENANT_ADMIN');
  const qualificationId = await insertQualification(w.db, w.clock, tenantId, 'STANDARD');
  await topUpBalance(w.ctx(), { tenantId, amount: '1000000' });
  const [row] = local(1, '宁波');
  await importNumbers(w.ctx(), [row!]);
  const e164 = `+86${row!.number.replace(/\D/g, '').replace(/^0/, '')}`;
  const n = await w.db.selectFrom('numbers').select('id').where('e164', '=', e164).executeTakeFirstOrThrow();
  const { order } = await purchaseNumber(w.ctx(admin), { numberId: n.id, qualificationId, callType: 'INBOUND_ONLY' });
  await payOrder(w.ctx(admin), order.id);
  await setAutoRenew(w.ctx(admin), n.id, true);
  const { app } = await createPrivacyApp(w.ctx(admin), { name: `calls ${serial}`, mode: 'AXB' });
  await moveNumbersToPool(w.ctx(admin), app.id, [n.id]);
  const voiceApp = await createVoiceApp(w.ctx(admin), { name: `voice ${serial}`, qualificationId });
  const m0 = monthIndex(now, zone);
  return {
    zone,
    tenantId,
    admin,
    partner: await actorFor(tenantId, 'PARTNER', app.id),
    voiceAppId: voiceApp.id,
    x: e164,
    m0,
    moves: [
      { month: m0, amount: 1_000_000 * CNY, topUp: true },
      { month: m0, amount: -LOCAL_RENT, topUp: false },
    ],
    callMinutes: new Map(),
    voiceMinutes: new Map(),
    open: [],
    closed: [],
    minutesLeft: 0,
  };
}

/** What the runs did, printed at the end: the property covered the kinds of activity. */
const tally: Record<string, number> = {};

async function apply(r: TenantRun, a: Action, now: Date): Promise<void> {
  const month = monthIndex(now, r.zone);
  tally[a.kind] = (tally[a.kind] ?? 0) + 1;
  const ctx = w.ctx(r.admin);
  switch (a.kind) {
    case 'topUp':
      await topUpBalance(w.ctx(), { tenantId: r.tenantId, amount: cny(a.amount) });
      r.moves.push({ month, amount: a.amount, topUp: true });
      return;
    case 'open': {
      const { numbers } = await openVoiceNumbers(ctx, { appId: r.voiceAppId, count: a.count, province: '浙江', city: '杭州' });
      expect(numbers).toHaveLength(a.count);
      for (const v of numbers) r.open.push({ numberId: v.number_id, openedAt: now });
      r.moves.push({ month, amount: -VOICE_FEE * a.count, topUp: false });
      return;
    }
    case 'close': {
      const v = r.open.shift();
      if (!v) return;
      const batch = await unsubscribeNumbers(ctx, [v.numberId]);
      await runUnsubscribeChecks(w.ctx(), batch.id);
      r.closed.push({ openedAt: v.openedAt, closedAt: now });
      return;
    }
    case 'package': {
      await buyVoicePackage(ctx, a.minutes === null ? { fixedPackage: 'FIXED_10K' } : { minutes: a.minutes });
      r.moves.push({ month, amount: -(a.minutes === null ? FIXED_10K : customUnit(a.minutes) * a.minutes), topUp: false });
      r.minutesLeft += a.minutes ?? 10_000;
      return;
    }
    case 'message': {
      if (!r.open.length) return;
      const send = sendVoiceMessage(ctx, { appId: r.voiceAppId, to: '+8613800138000', text: 'Your parcel arrives today' });
      if (r.minutesLeft === 0) {
        await expect(send).rejects.toMatchObject({ code: 'NO_MINUTES_LEFT' });
        return;
      }
      const m = await send;
      const [result] = await reportVoiceMessages(ctx, [{ messageId: m.id, status: a.answered ? 'ANSWERED' : 'UNANSWERED', durationSeconds: a.answered ? a.seconds : null, at: now }]);
      expect(result!.status).toBe('STORED');
      const taken = a.answered ? Math.min(ceilMinutes(a.seconds), r.minutesLeft) : 0;
      r.minutesLeft -= taken;
      r.voiceMinutes.set(month, (r.voiceMinutes.get(month) ?? 0) + taken);
      return;
    }
    case 'call': {
      const callId = `prop-call-${++serial}`;
      // a late call (the run's second month): it ended an hour before the month began, its month closed
      const late = a.late && month > r.m0;
      if (late) tally.lateCall = (tally.lateCall ?? 0) + 1;
      const endedBy = late ? new Date(monthStart(month, r.zone).getTime() - 3_600_000) : now;
      const at = (s: number) => new Date(endedBy.getTime() - (a.seconds + 6 - s) * 1000);
      const events = [
        { eventId: `${callId}-1`, callId, type: 'CALLIN' as const, occurredAt: at(0), caller: '+8613800001111', called: r.x },
        ...(a.answered ? [{ eventId: `${callId}-2`, callId, type: 'ANSWER' as const, occurredAt: at(5) }] : []),
        { eventId: `${callId}-3`, callId, type: 'DISCONNECT' as const, occurredAt: at(5 + a.seconds), failureReason: a.answered ? null : 'NO_ANSWER' },
      ];
      const results = await reportCallEvents(w.ctx(r.partner), events);
      expect(results.map((x) => x.status)).toEqual(events.map(() => 'STORED'));
      const minutes = a.answered ? ceilMinutes(a.seconds) : 0;
      // charged on the statement of the month it ended in, or (late) of the month it was reported in
      const charged = late ? month : monthIndex(at(5 + a.seconds), r.zone);
      expect(late ? charged - 1 : charged).toBe(monthIndex(at(5 + a.seconds), r.zone));
      r.callMinutes.set(charged, (r.callMinutes.get(charged) ?? 0) + minutes);
      return;
    }
  }
}

/** The reference's charges at the first instant of `month`: the fee of every voice number open then (V1). */
function feesAt(r: TenantRun, month: number): void {
  const start = monthStart(month, r.zone);
  const open = [...r.open.map((v) => ({ openedAt: v.openedAt, closedAt: null as Date | null })), ...r.closed].filter((v) => v.openedAt < start && (!v.closedAt || v.closedAt >= start)).length;
  if (open) r.moves.push({ month, amount: -VOICE_FEE * open, topUp: false });
}

/** The reference statement of `month`: its month's movements and, at its close, the month's call minutes. */
function reference(r: TenantRun, month: number) {
  const usage = (r.callMinutes.get(month) ?? 0) * CALL_MINUTE;
  const before = r.moves.filter((m) => m.month < month).reduce((s, m) => s + m.amount, 0) - [...r.callMinutes].filter(([m]) => m < month).reduce((s, [, min]) => s + min * CALL_MINUTE, 0);
  const of = r.moves.filter((m) => m.month === month);
  const topUps = of.filter((m) => m.topUp).reduce((s, m) => s + m.amount, 0);
  const total = -of.filter((m) => !m.topUp).reduce((s, m) => s + m.amount, 0) + usage;
  return { opening_balance: cny(before), top_ups: cny(topUps), total: cny(total), closing_balance: cny(before + topUps - total) };
}

describe('issue 14: balances and statements against a reference computation', () => {
  it('V1/V2/V3/M2: random months of activity for several tenants: every balance, statement and package total equals the reference to 0.001 CNY', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ zones, steps }) => {
        const m0 = firstMonth;
        firstMonth += 3;
        // the run starts on the 2nd of its first month, 00:00 in Shanghai
        const start = new Date(monthStart(m0, 'Asia/Shanghai').getTime() + 86_400_000);
        w.clock.set(start);
        await sweepOverdue(w.ctx()); // the months skipped since the last run, as the jobs would have done
        await importNumbers(w.ctx(), local(3 * steps.length + 3, '杭州'));
        const runs: TenantRun[] = [];
        for (const zone of zones) runs.push(await setUpTenant(zone, start));
        // what happens, and when: the steps, the 1sts of the next two months in each zone (the monthly
        // fees' time, and ten minutes later the statements'), and the renewal of each rented number a month after its purchase
        const timeline: { at: Date; run?: () => Promise<void> }[] = steps.map((s, i) => {
          const at = new Date(start.getTime() + s.day * 86_400_000 + 3_600_000 + i * 60_000);
          const r = runs[s.tenant % runs.length]!;
          return { at, run: () => apply(r, s.action, at) };
        });
        for (const r of runs) {
          for (const k of [1, 2]) timeline.push({ at: new Date(monthStart(r.m0 + k, r.zone).getTime() + 1000), run: async () => feesAt(r, r.m0 + k) });
          // the statements close ten minutes into the 1st
          for (const k of [1, 2]) timeline.push({ at: new Date(monthStart(r.m0 + k, r.zone).getTime() + 10 * 60_000) });
          const renewal = new Date(monthStart(r.m0 + 1, r.zone).getTime() + (start.getTime() - monthStart(r.m0, r.zone).getTime()) + 60_000);
          timeline.push({ at: renewal, run: async () => void r.moves.push({ month: r.m0 + 1, amount: -LOCAL_RENT, topUp: false }) });
        }
        timeline.sort((a, b) => a.at.getTime() - b.at.getTime());
        for (const t of timeline) {
          w.clock.set(t.at);
          await t.run?.();
          // the jobs due by now: monthly fees, statements, renewals (their sweeps are their safety nets and run the same code)
          await sweepOverdue(w.ctx());
        }
        for (const r of runs) {
          const balance = await w.db.selectFrom('balances').select('amount').where('tenant_id', '=', r.tenantId).executeTakeFirstOrThrow();
          const expected = r.moves.reduce((s, m) => s + m.amount, 0) - [...r.callMinutes].filter(([m]) => m <= r.m0 + 1).reduce((s, [, min]) => s + min * CALL_MINUTE, 0);
          expect(balance.amount, `balance of a ${r.zone} tenant`).toBe(cny(expected));
          const statements = await w.db
            .selectFrom('statements')
            .select(['month', 'opening_balance', 'top_ups', 'total', 'closing_balance'])
            .where('tenant_id', '=', r.tenantId)
            .orderBy('month')
            .execute();
          expect(statements.map((st) => ({ ...st, month: dateOf(st.month) }))).toEqual(
            [r.m0, r.m0 + 1].map((m) => ({ month: monthLabel(m), ...reference(r, m) })),
          );
          // V3, M2: per voice app and month, the package minutes its messages took (0 CNY)
          const voiceLines = await w.db
            .selectFrom('statement_lines as l')
            .innerJoin('statements as s', 's.id', 'l.statement_id')
            .select(['s.month', 'l.voice_app_id', 'l.quantity', 'l.amount'])
            .where('l.tenant_id', '=', r.tenantId)
            .where('l.kind', '=', 'VOICE_MINUTES')
            .orderBy('s.month')
            .execute();
          expect(voiceLines.map((l) => ({ ...l, month: dateOf(l.month) })), 'voice minutes per app and month').toEqual(
            [r.m0, r.m0 + 1].filter((m) => r.voiceMinutes.get(m)).map((m) => ({ month: monthLabel(m), voice_app_id: r.voiceAppId, quantity: r.voiceMinutes.get(m), amount: '0.000' })),
          );
          const left = await w.db.selectFrom('voice_packages').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('remaining_minutes'), eb.lit(0)).as('left')).where('tenant_id', '=', r.tenantId).executeTakeFirstOrThrow();
          expect(Number(left.left), 'minutes left in the packages').toBe(r.minutesLeft);
        }
      }),
      { numRuns: 7, endOnFailure: true },
    );
    console.log(`billing property: ${JSON.stringify(tally)}`);
    expect(Object.keys(tally).length).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
