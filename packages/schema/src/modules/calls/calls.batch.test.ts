import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { Actor } from '../../access/actor.js';
import { authenticate, createApiKey, createUser } from '../tenants/tenants.service.js';
import { createPrivacyApp, moveNumbersToPool } from '../privacy/privacy.service.js';
import { reportCallEvents } from './calls.report.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { decodeCursor } from '../events/events.cursor.js';
import type { CallEventInput } from './calls.input.js';

/**
 * C1, C2: a batch is written set-based but keeps the per-item rules: an item that fails leaves
 * nothing behind (no call, no claimed event id), a repeated id in one batch is stored once, and
 * calls, events and outbox rows come out as if each item had been applied on its own, in order.
 */

let s: PrivacyServiceWorld;
let partner: Actor;
let x: string;
let seq = 0;
const id = (p: string) => `batch-${p}-${++seq}`;
const at = (offsetS: number) => new Date(s.w.clock.now().getTime() - 3_600_000 + offsetS * 1000);
const callRows = (callId: string) => s.w.db.selectFrom('calls').selectAll().where('switch_call_id', '=', callId).execute();

beforeAll(async () => {
  s = await privacyServiceWorld();
  const { app } = await createPrivacyApp(s.w.ctx(s.acme.admin), { name: 'batch', mode: 'AXB' });
  const [n] = await s.ownNumbers(s.acme, 1);
  await moveNumbersToPool(s.w.ctx(s.acme.admin), app.id, [n!.id]);
  x = n!.e164;
  const user = await createUser(s.w.ctx(), { tenantId: s.acme.tenantId, name: 'switch batch', email: `switch-batch-${app.id.slice(0, 8)}@example.com`, role: 'PARTNER' });
  partner = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
});
afterAll(() => s?.w.drop());

describe('C1: a batch keeps the per-item rules', () => {
  it('C1: a CALLIN naming a binding of another number is an error of that item and makes no call; its later events are UNKNOWN_CALL; its event id can be reported again', async () => {
    const callId = id('call');
    const badIn: CallEventInput = { eventId: id('e'), callId, type: 'CALLIN', occurredAt: at(0), caller: '+8613800001111', called: x, bindingId: '00000000-0000-4000-8000-000000000000' };
    const ring: CallEventInput = { eventId: id('e'), callId, type: 'ALERTING', occurredAt: at(2) };
    const other = { eventId: id('e'), callId: id('call'), type: 'CALLIN' as const, occurredAt: at(0), caller: '+8613800002222', called: x };
    const results = await reportCallEvents(s.w.ctx(partner), [badIn, ring, other]);
    expect(results.map((r) => (r.status === 'ERROR' ? [r.error.code, r.error.field] : r.status))).toEqual([['INVALID_INPUT', 'bindingId'], ['UNKNOWN_CALL', 'callId'], 'STORED']);
    expect(await callRows(callId)).toEqual([]);
    expect(await s.w.db.selectFrom('call_events').select('switch_event_id').where('switch_event_id', 'in', [badIn.eventId, ring.eventId]).execute()).toEqual([]);
    // the same ids, now correct, are stored
    const again = await reportCallEvents(s.w.ctx(partner), [{ ...badIn, bindingId: null }, ring]);
    expect(again.map((r) => r.status)).toEqual(['STORED', 'STORED']);
    expect((await callRows(callId)).map((c) => c.state)).toEqual(['RINGING']);
  });

  it('C1: an event id twice in one batch is stored once (the first, in time order), the other is DUPLICATE', async () => {
    const callId = id('call');
    const eventId = id('e');
    const events: CallEventInput[] = [
      { eventId: id('e'), callId, type: 'CALLIN', occurredAt: at(0), caller: '+8613800003333', called: x },
      { eventId, callId, type: 'ANSWER', occurredAt: at(9) },
      { eventId, callId, type: 'ANSWER', occurredAt: at(5) },
    ];
    const results = await reportCallEvents(s.w.ctx(partner), events);
    expect(results.map((r) => r.status)).toEqual(['STORED', 'DUPLICATE', 'STORED']);
    const [row] = await callRows(callId);
    expect(row!.answered_at).toEqual(at(5));
    expect(await s.w.db.selectFrom('call_events').select('type').where('switch_event_id', '=', eventId).execute()).toHaveLength(1);
  });

  it('C1: a call keeps the ids of its stored events; a repeat is found on it in a later batch, whatever time it carries', async () => {
    const callId = id('call');
    const callin: CallEventInput = { eventId: id('e'), callId, type: 'CALLIN', occurredAt: at(0), caller: '+8613800004444', called: x };
    const answer: CallEventInput = { eventId: id('e'), callId, type: 'ANSWER', occurredAt: at(4) };
    expect((await reportCallEvents(s.w.ctx(partner), [callin, answer])).map((r) => r.status)).toEqual(['STORED', 'STORED']);
    expect((await callRows(callId))[0]!.event_ids).toEqual([callin.eventId, answer.eventId]);
    const again = await reportCallEvents(s.w.ctx(partner), [{ ...answer, occurredAt: at(7) }, { ...callin }]);
    expect(again.map((r) => r.status)).toEqual(['DUPLICATE', 'DUPLICATE']);
    const [row] = await callRows(callId);
    expect([row!.answered_at, row!.event_ids.length]).toEqual([at(4), 2]);
    expect(await s.w.db.selectFrom('call_events').select('type').where('call_id', '=', row!.id).execute()).toHaveLength(2);
  });

  it('C1: a call reported over four batches keeps what each set: an update writes only what changed, and the rest of the row stays', async () => {
    const callId = id('call');
    const events: CallEventInput[] = [
      { eventId: id('e'), callId, type: 'CALLIN', occurredAt: at(0), caller: '+8613800005555', called: x, userData: 'order-1' },
      { eventId: id('e'), callId, type: 'ALERTING', occurredAt: at(2), callee: '+8613900006666' },
      { eventId: id('e'), callId, type: 'ANSWER', occurredAt: at(6), userData: 'order-2' },
      { eventId: id('e'), callId, type: 'DISCONNECT', occurredAt: at(70), failureReason: 'caller hung up', recordingUrl: 'https://rec.example/1.mp3' },
    ];
    for (const e of events) expect((await reportCallEvents(s.w.ctx(partner), [e])).map((r) => r.status)).toEqual(['STORED']);
    // an earlier time reported late lowers it; nothing else is lost
    expect((await reportCallEvents(s.w.ctx(partner), [{ eventId: id('e'), callId, type: 'ALERTING', occurredAt: at(1) }])).map((r) => r.status)).toEqual(['STORED']);
    const [row] = await callRows(callId);
    expect(row).toMatchObject({
      state: 'ENDED',
      caller_e164: '+8613800005555',
      called_e164: x,
      callee_e164: '+8613900006666',
      user_data: 'order-2',
      call_in_at: at(0),
      alerting_at: at(1),
      answered_at: at(6),
      ended_at: at(70),
      failure_reason: 'caller hung up',
      recording_url: 'https://rec.example/1.mp3',
    });
    expect(row!.event_ids).toHaveLength(5);
    expect(row!.event_ids.slice(0, 4)).toEqual(events.map((e) => e.eventId));
    const [cdr] = await s.w.db.selectFrom('cdrs').selectAll().where('call_id', '=', row!.id).execute();
    expect(cdr).toMatchObject({ caller_e164: '+8613800005555', callee_e164: '+8613900006666', user_data: 'order-2', billable_minutes: 2, alerting_at: at(1) });
  });

  it('C1/RT1: the outbox gets each stored event’s CALL_EVENT and each CDR’s CDR_CREATED in event order, one transaction', async () => {
    const pair = id('pair');
    const [a, b] = [`${pair}-a`, `${pair}-b`];
    const events: CallEventInput[] = [
      { eventId: id('e'), callId: b, type: 'DISCONNECT', occurredAt: at(30) },
      { eventId: id('e'), callId: a, type: 'CALLIN', occurredAt: at(0), caller: '+8613800004444', called: x },
      { eventId: id('e'), callId: b, type: 'CALLIN', occurredAt: at(1), caller: '+8613800005555', called: x },
      { eventId: id('e'), callId: a, type: 'ANSWER', occurredAt: at(3) },
      { eventId: id('e'), callId: a, type: 'DISCONNECT', occurredAt: at(40) },
    ];
    const results = await reportCallEvents(s.w.ctx(partner), events);
    expect(results.map((r) => r.status)).toEqual(['STORED', 'STORED', 'STORED', 'STORED', 'STORED']);
    const calls = new Map((await s.w.db.selectFrom('calls').select(['id', 'switch_call_id']).where('switch_call_id', 'in', [a, b]).execute()).map((c) => [c.id, c.switch_call_id]));
    const outbox = (await readableEvents(s.w.db, { types: ['CALL_EVENT', 'CDR_CREATED'] }, { limit: 100_000 })).filter((e) => calls.has((e.payload as { callId: string }).callId));
    const seen = outbox.map((e) => {
      const p = e.payload as { callId: string; event?: string; state?: string };
      return [e.type, calls.get(p.callId), p.event ?? null, p.state ?? null];
    });
    expect(seen).toEqual([
      ['CALL_EVENT', a, 'CALLIN', 'RINGING'],
      ['CALL_EVENT', a, 'ANSWER', 'TALKING'],
      ['CALL_EVENT', a, 'DISCONNECT', 'ENDED'],
      ['CALL_EVENT', b, 'CALLIN', 'RINGING'],
      ['CALL_EVENT', b, 'DISCONNECT', 'ENDED'],
      ['CDR_CREATED', a, null, null],
      ['CDR_CREATED', b, null, null],
    ]);
    const cursors = outbox.map((e) => decodeCursor(e.cursor));
    expect(new Set(cursors.map((c) => c.txid)).size).toBe(1);
    // the five CALL_EVENTs are one row of the outbox (a run), the two CDR_CREATED the next; each event has a cursor of its own, in order
    const rows = await s.w.db.selectFrom('events').select(['type', sql<number>`coalesce(jsonb_array_length(batch), 1)`.as('n')]).where(sql<boolean>`txid = ${cursors[0]!.txid}::xid8`).where('type', 'in', ['CALL_EVENT', 'CDR_CREATED']).orderBy('seq').execute();
    expect(rows).toEqual([{ type: 'CALL_EVENT', n: 5 }, { type: 'CDR_CREATED', n: 2 }]);
    expect(cursors.map((c) => BigInt(c.seq) - BigInt(cursors[0]!.seq))).toEqual([0n, 1n, 2n, 3n, 4n, 4n + 1023n, 4n + 1024n]);
  });
  it('C1: concurrent reports on the same calls, and making the same new ones, all finish: one lock order for every batch, no deadlock', async () => {
    const shared = Array.from({ length: 60 }, () => id('call'));
    const made = await reportCallEvents(s.w.ctx(partner), shared.map((callId, i) => ({ eventId: `${callId}-in`, callId, type: 'CALLIN', occurredAt: at(0), caller: `+86138${String(10_000_000 + i)}`, called: x })));
    expect(made.every((r) => r.status === 'STORED')).toBe(true);
    const fresh = Array.from({ length: 30 }, () => id('call'));
    // four reports at once, each naming the calls in another order, each with ALERTING and ANSWER of every call and the CALLIN of every new call
    const reports = [0, 1, 2, 3].map((k) => {
      const order = k % 2 ? [...shared].reverse() : shared;
      const rotated = [...order.slice(k * 15), ...order.slice(0, k * 15)];
      return [
        ...rotated.flatMap((callId) => [
          { eventId: `${callId}-ring`, callId, type: 'ALERTING' as const, occurredAt: at(2) },
          { eventId: `${callId}-talk`, callId, type: 'ANSWER' as const, occurredAt: at(5) },
        ]),
        ...(k % 2 ? [...fresh].reverse() : fresh).map((callId, i) => ({ eventId: `${callId}-in`, callId, type: 'CALLIN' as const, occurredAt: at(1), caller: `+86139${String(10_000_000 + i)}`, called: x })),
      ];
    });
    const results = await Promise.all(reports.map((events) => reportCallEvents(s.w.ctx(partner), events)));
    for (const r of results) expect(r.filter((i) => i.status === 'ERROR')).toEqual([]);
    // each event stored once, by whichever report came first; the others are DUPLICATE
    const stored = results.flat().filter((r) => r.status === 'STORED').length;
    expect(stored).toBe(shared.length * 2 + fresh.length);
    const rows = await s.w.db.selectFrom('calls').select(['switch_call_id', 'state']).where('switch_call_id', 'in', [...shared, ...fresh]).execute();
    expect(rows).toHaveLength(shared.length + fresh.length);
    expect(rows.filter((c) => shared.includes(c.switch_call_id)).every((c) => c.state === 'TALKING')).toBe(true);
  });

  it('C1: ALERTING and ANSWER leave a call on its page (heap-only versions: none of the calls\' indexes grows)', async () => {
    const calls = Array.from({ length: 120 }, () => id('call'));
    const pages = async () => new Map((await sql<{ switch_call_id: string; page: number }>`select switch_call_id, (ctid::text::point)[0]::int as page from calls where switch_call_id = any(${calls})`.execute(s.w.db)).rows.map((r) => [r.switch_call_id, r.page]));
    const report = async (type: 'CALLIN' | 'ALERTING' | 'ANSWER', offsetS: number) => {
      const results = await reportCallEvents(s.w.ctx(partner), calls.map((callId, i) => ({ eventId: `${callId}-${type}`, callId, type, occurredAt: at(offsetS), ...(type === 'CALLIN' ? { caller: `+86137${String(10_000_000 + i)}`, called: x } : {}) })));
      expect(results.filter((r) => r.status !== 'STORED')).toEqual([]);
    };
    await report('CALLIN', 0);
    const before = await pages();
    expect(new Set(before.values()).size).toBeGreaterThan(3); // the calls fill several pages
    const stayed = async () => {
      const now = await pages();
      return calls.filter((c) => now.get(c) === before.get(c)).length / calls.length;
    };
    // with full pages (fillfactor 100) every new version went to another page, and into every index
    await report('ALERTING', 2);
    expect(await stayed()).toBeGreaterThanOrEqual(0.9);
    // a page has room for about one more version of each call: most ANSWERs find it where the ALERTING's old versions were pruned
    await report('ANSWER', 6);
    expect(await stayed()).toBeGreaterThanOrEqual(0.5);
  });

  it('C1: a call that another request makes while the batch runs (committed after the batch looked): the batch is tried again and stores its events on that one call', async () => {
    const callId = id('call');
    const pool = await s.w.db.selectFrom('privacy_pool_numbers').select(['tenant_id', 'app_id', 'number_id']).where('e164', '=', x).executeTakeFirstOrThrow();
    // the other request: its transaction has made the call and not committed yet
    const other = new pg.Client({ connectionString: s.w.url });
    await other.connect();
    try {
      await other.query('begin');
      const made = await other.query<{ id: string }>(
        `insert into calls (tenant_id, app_id, number_id, switch_call_id, direction, state, x_e164, created_at, updated_at) values ($1, $2, $3, $4, 'IN', 'RINGING', $5, now(), now()) returning id`,
        [pool.tenant_id, pool.app_id, pool.number_id, callId, x],
      );
      const reported = reportCallEvents(s.w.ctx(partner), [
        { eventId: id('e'), callId, type: 'CALLIN', occurredAt: at(0), caller: '+8613800006666', called: x },
        { eventId: id('e'), callId, type: 'ALERTING', occurredAt: at(2) },
      ]);
      // the batch found no call, made it in memory, and now waits on the other's insert of the same key
      await expect.poll(async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(s.w.db)).rows[0]!.n, { timeout: 10_000 }).toBe(1);
      await other.query('commit');
      const results = await reported;
      expect(results.map((r) => (r.status === 'ERROR' ? r.error.code : r.status))).toEqual(['STORED', 'STORED']);
      const rows = await callRows(callId);
      expect(rows.map((c) => [c.id, c.state, c.caller_e164, c.alerting_at])).toEqual([[made.rows[0]!.id, 'RINGING', '+8613800006666', at(2)]]);
    } finally {
      await other.end();
    }
  });
});
