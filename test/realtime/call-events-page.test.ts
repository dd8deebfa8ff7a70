import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { privacyApps } from '../support/privacy-fixtures.js';
import { countQueries } from '../support/sql-count.js';

/**
 * C1/RT2: a switch's batch of call events is one page for the subscriptions; its events render side
 * by side, so the calls they name are read in one statement, not one round trip per event (which
 * capped a live calls page at a few dozen events a second).
 */

let t: TestApp;
let A: TenantFixture;
const X1 = '+862155600001';
const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status } }`;
const SUB = `subscription($after: String) { callEvents(after: $after) { event state call { switchCallId state caller } } }`;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  const B = await t.tenant('Beta');
  await privacyApps(t, A, B);
});
afterAll(() => t?.stop());

describe('call events reach subscriptions a page at a time (C1, RT2)', () => {
  it('C1: 40 calls reported in one batch reach a callEvents subscriber, each once, their calls read in one statement', async () => {
    const after = await t.cursor();
    const sub = collect<{ callEvents: { event: string; state: string; call: { switchCallId: string; state: string; caller: string } } }>(t.wsClient(A.keys.supervisor), SUB, { after });
    const at = t.clock.now().toISOString();
    const events = Array.from({ length: 40 }, (_, i) => ({ eventId: `page-${i}`, callId: `page-call-${i}`, type: 'CALLIN', occurredAt: at, caller: `1380000${String(1000 + i)}`, called: X1 }));
    // one call first, seen live: the subscription has caught up and follows the shared reader
    ok(await t.gql(REPORT, { events: [{ eventId: 'page-warm', callId: 'page-warm', type: 'CALLIN', occurredAt: at, caller: '13800000999', called: X1 }] }, A.keys.admin));
    await sub.waitFor(() => sub.items.length === 1);
    sub.items.length = 0;
    const reads = await countQueries(/from "calls"/, async () => {
      const stored = ok(await t.gql(REPORT, { events }, A.keys.admin)).reportCallEvents as { status: string }[];
      expect(stored.every((r) => r.status === 'STORED')).toBe(true);
      await sub.waitFor(() => sub.items.length >= 40);
    });
    // every call once (the batch's calls may be written in another order than reported)
    expect(sub.items.map((x) => x.callEvents.call.switchCallId).sort()).toEqual(events.map((e) => e.callId).sort());
    expect(sub.items.every((x) => x.callEvents.state === 'RINGING' && x.callEvents.call.state === 'RINGING')).toBe(true);
    expect(sub.errors).toEqual([]);
    // the report's own reads of the calls, plus the page's: not one per event
    expect(reads).toBeLessThan(10);
  });
  it('C1: a subscriber that starts behind reads the 40 stored events as a page of its own, their calls read in one statement', async () => {
    const after = await t.cursor();
    const at = t.clock.now().toISOString();
    const events = Array.from({ length: 40 }, (_, i) => ({ eventId: `behind-${i}`, callId: `behind-call-${i}`, type: 'CALLIN', occurredAt: at, caller: `1390000${String(1000 + i)}`, called: X1 }));
    ok(await t.gql(REPORT, { events }, A.keys.admin));
    let sub!: ReturnType<typeof collect<{ callEvents: { call: { switchCallId: string } } }>>;
    const reads = await countQueries(/from "calls"/, async () => {
      // another selection than the first test's (still open) subscription: no rendering of its to share
      sub = collect(t.wsClient(A.keys.supervisor), SUB.replace('event state', 'eventId event state'), { after });
      await sub.waitFor(() => sub.items.length >= 40);
    });
    expect(sub.items.map((x) => x.callEvents.call.switchCallId).sort()).toEqual(events.map((e) => e.callId).sort());
    expect(sub.errors).toEqual([]);
    expect(reads).toBeLessThan(10);
  });
});
