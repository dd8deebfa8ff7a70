import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import { startReceiver } from '../../../../../test/support/webhook-receiver.js';
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

describe('C3: CDRs pushed', () => {
  it('C3: 60 calls ended in one report: their 60 CDRs go to the CDR URL in requests of 50 and 10, signed, each CDR once', async () => {
    const { app, secret } = await createPrivacyApp(s.w.ctx(s.acme.admin), { name: 'pushed', mode: 'AXB', cdrUrl: receiver.url });
    const [n] = await s.ownNumbers(s.acme, 1);
    await moveNumbersToPool(s.w.ctx(s.acme.admin), app.id, [n!.id]);
    const user = await createUser(s.w.ctx(), { tenantId: s.acme.tenantId, name: 'switch', email: 'switch-cdr@example.com', role: 'PARTNER' });
    const partner = (await authenticate(s.w.ctx(), (await createApiKey(s.w.ctx(), { userId: user.id, appId: app.id })).secret))!;
    const at = (offsetS: number) => new Date(s.w.clock.now().getTime() - 3_600_000 + offsetS * 1000);
    const events: CallEventInput[] = Array.from({ length: 60 }, (_, i) => [
      { eventId: `in-${i}`, callId: `call-${i}`, type: 'CALLIN' as const, occurredAt: at(0), caller: '+8613800001111', called: n!.e164 },
      { eventId: `out-${i}`, callId: `call-${i}`, type: 'CALLOUT' as const, occurredAt: at(1), callee: '+8613900002222' },
      { eventId: `end-${i}`, callId: `call-${i}`, type: 'DISCONNECT' as const, occurredAt: at(30), failureReason: 'NO_ANSWER' },
    ]).flat();
    await reportCallEvents(s.w.ctx(partner), events);
    const queued = await s.w.db.selectFrom('deliveries').selectAll().where('app_id', '=', app.id).orderBy('item_count', 'desc').execute();
    expect(queued.map((d) => [d.kind, d.item_count, d.status])).toEqual([
      ['CDR', 50, 'PENDING'],
      ['CDR', 10, 'PENDING'],
    ]);
    for (const d of queued) expect((await attemptDelivery(s.w.ctx(), d.id))?.status).toBe('DELIVERED');
    const bodies = receiver.received.map((r) => {
      expect(verifySignature(r.headers['callplane-signature'] as string, r.body, secret)).toBe(true);
      return JSON.parse(r.body) as { items: { switchCallId: string; billableMinutes: number; change: string }[] };
    });
    const items = bodies.flatMap((b) => b.items);
    expect(items.map((c) => c.switchCallId).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `call-${i}`).sort());
    expect(items.every((c) => c.billableMinutes === 0 && c.change === 'CREATED')).toBe(true);
  });
});
