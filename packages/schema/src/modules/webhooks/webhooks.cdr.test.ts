import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import { startReceiver } from '../../../../../test/support/webhook-receiver.js';
import { captureQueries, countQueries } from '../../../../../test/support/sql-count.js';
import { sql } from 'kysely';
import { authenticate, createApiKey, createUser } from '../tenants/tenants.service.js';
import { createPrivacyApp, moveNumbersToPool } from '../privacy/privacy.service.js';
import { reportCallEvents } from '../calls/calls.report.js';
import type { CallEventInput } from '../calls/calls.input.js';
import { verifySignature } from '../privacy/routing.control.js';
import { attemptDelivery } from './webhooks.send.js';

/** C3 with C2: the CDRs a report writes are pushed to the app's CDR URL, at most 50 per request. */

let s: PrivacyServiceWorld;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  s = await privacyServiceWorld();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await s?.w.drop();
});

/** An AXB app whose CDR URL is the receiver, with one pool number, and its switch's PARTNER actor. */
async function cdrApp(name: string, email: string) {
  const { app, secret } = await createPrivacyApp(s.w.ctx(s.acme.admin), { name, mode: 'AXB', cdrUrl: receiver.url });
  const [n] = await s.ownNumbers(s.acme, 1);
  await moveNumbersToPool(s.w.ctx(s.acme.admin), app.id, [n!.id]);
  const user = await createUser(s.w.ctx(), { tenantId: s.acme.tenantId, name: 'switch', email, role: 'PARTNER' });
  const partner = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
  return { app, secret, x: n!.e164, partner };
}

/** `count` calls that ring and end unanswered, ids prefixed with `prefix`. */
function unansweredCalls(prefix: string, count: number, x: string): CallEventInput[] {
  const at = (offsetS: number) => new Date(s.w.clock.now().getTime() - 3_600_000 + offsetS * 1000);
  return Array.from({ length: count }, (_, i) => [
    { eventId: `${prefix}in-${i}`, callId: `${prefix}call-${i}`, type: 'CALLIN' as const, occurredAt: at(0), caller: '+8613800001111', called: x },
    { eventId: `${prefix}out-${i}`, callId: `${prefix}call-${i}`, type: 'CALLOUT' as const, occurredAt: at(1), callee: '+8613900002222' },
    { eventId: `${prefix}end-${i}`, callId: `${prefix}call-${i}`, type: 'DISCONNECT' as const, occurredAt: at(30), failureReason: 'NO_ANSWER' },
  ]).flat();
}

describe('C3: CDRs pushed', () => {
  it('C3: a report’s call statuses queue one delivery each, and all their first attempts as jobs in one statement (not one per event)', async () => {
    const { app } = await createPrivacyApp(s.w.ctx(s.acme.admin), { name: 'statuses', mode: 'AXB', statusUrl: receiver.url });
    const [n] = await s.ownNumbers(s.acme, 1);
    await moveNumbersToPool(s.w.ctx(s.acme.admin), app.id, [n!.id]);
    const user = await createUser(s.w.ctx(), { tenantId: s.acme.tenantId, name: 'switch', email: 'switch-statuses@example.com', role: 'PARTNER' });
    const partner = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
    const events = unansweredCalls('st', 10, n!.e164);
    const jobStatements = await captureQueries(/graphile_worker\.add_jobs?\(/, () => reportCallEvents(s.w.ctx(partner), events));
    expect(jobStatements.map((q) => /add_jobs\(/.test(q.text))).toEqual([true]);
    const deliveries = await s.w.db.selectFrom('deliveries').select('id').where('app_id', '=', app.id).where('kind', '=', 'CALL_STATUS').execute();
    expect(deliveries).toHaveLength(events.length);
    const { rows } = await sql<{ key: string }>`select key from graphile_worker._private_jobs where key = any(${deliveries.map((d) => `delivery:${d.id}`)}::text[])`.execute(s.w.db);
    expect(rows).toHaveLength(events.length);
  });

  it('C3: the CDRs of a report are queued set-based: 120 CDRs are one insert of 3 deliveries (50, 50, 20), no statement per CDR; late ANSWERs amend them in one more', async () => {
    const { app, x, partner } = await cdrApp('counted', 'switch-counted@example.com');
    const deliveryWrites = /^\s*(insert into|update) "?deliveries"?/i;
    const writes = await countQueries(deliveryWrites, () => reportCallEvents(s.w.ctx(partner), unansweredCalls('n', 120, x)));
    expect(writes).toBe(1);
    const queued = await s.w.db.selectFrom('deliveries').select(['id', 'item_count']).where('app_id', '=', app.id).execute();
    expect(queued.map((d) => d.item_count).sort((a, b) => b - a)).toEqual([50, 50, 20]);

    // 60 of the ended calls are answered late (an ANSWER after the DISCONNECT): their CDRs are amended and pushed again
    const late = Array.from({ length: 60 }, (_, i) => ({ eventId: `nans-${i}`, callId: `ncall-${i}`, type: 'ANSWER' as const, occurredAt: new Date(s.w.clock.now().getTime() - 3_600_000 + 5000) }));
    expect(await countQueries(deliveryWrites, () => reportCallEvents(s.w.ctx(partner), late))).toBe(1);
    const amended = await s.w.db
      .selectFrom('deliveries')
      .select(['item_count', 'payload'])
      .where('app_id', '=', app.id)
      .where('id', 'not in', queued.map((d) => d.id))
      .orderBy('item_count', 'desc')
      .execute();
    const items = amended.flatMap((d) => d.payload as unknown as { change: string; billableMinutes: number }[]);
    expect(amended.map((d) => d.item_count)).toEqual([50, 10]);
    expect(items.every((c) => c.change === 'AMENDED' && c.billableMinutes === 1)).toBe(true);
  });

  it('C3: 60 calls ended in one report: their 60 CDRs go to the CDR URL in requests of 50 and 10, signed, each CDR once', async () => {
    const { app, secret, x, partner } = await cdrApp('pushed', 'switch-cdr@example.com');
    const events = unansweredCalls('', 60, x);
    await reportCallEvents(s.w.ctx(partner), events);
    const queued = await s.w.db.selectFrom('deliveries').selectAll().where('app_id', '=', app.id).orderBy('item_count', 'desc').execute();
    expect(queued.map((d) => [d.kind, d.item_count, d.status])).toEqual([
      ['CDR', 50, 'PENDING'],
      ['CDR', 10, 'PENDING'],
    ]);
    for (const d of queued) expect((await attemptDelivery(s.w.ctx(), d.id))?.status).toBe('DELIVERED');
    const bodies = receiver.received.map((r) => {
      expect(verifySignature(r.headers['callplane-signature'] as string, r.body, secret)).toBe(true);
      return JSON.parse(r.body) as { appId: string; items: { cdrId: string; callId: string; switchCallId: string; billableMinutes: number; change: string }[] };
    });
    const items = bodies.flatMap((b) => b.items);
    expect(items.map((c) => c.switchCallId).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `call-${i}`).sort());
    expect(items.every((c) => c.billableMinutes === 0 && c.change === 'CREATED')).toBe(true);
    // Callplane's ids as the API shows them (node(id:) reads them): the app's, each CDR's and its call's
    expect(bodies.map((b) => b.appId)).toEqual([encodeGlobalID('PrivacyApp', app.id), encodeGlobalID('PrivacyApp', app.id)]);
    const stored = await s.w.db.selectFrom('cdrs').select(['id', 'call_id', 'switch_call_id']).where('app_id', '=', app.id).execute();
    expect(items.map((c) => [c.switchCallId, c.cdrId, c.callId]).sort()).toEqual(stored.map((c) => [c.switch_call_id, encodeGlobalID('Cdr', c.id), encodeGlobalID('Call', c.call_id)]).sort());
  });
});
