import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { partnerKey } from '../support/partner-keys.js';
import { privacyApps } from '../support/privacy-fixtures.js';

/** C2: callVolume, the per-minute series of the live calls page's charts, through the cdrs read policy. */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let apps: { app1: string; app2: string; app3: string };
const partner = {} as Record<'app1' | 'app2', string>;
const X1 = '+862155600001';
const X3 = '+862155600011';
const MINUTE = 60_000;

const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status } }`;
const VOLUME = `query($since: DateTime!, $app: ID) { callVolume(since: $since, appId: $app) { minute calls answered } }`;

/** A whole minute five minutes before the clock's current one: the calls below end in it and the next. */
let base: number;
const at = (s: number) => new Date(base + s * 1000).toISOString();
let seq = 0;
const ev = (callId: string, type: string, s: number, extra: Record<string, unknown> = {}) => ({ eventId: `vol-${++seq}`, callId, type, occurredAt: at(s), ...extra });
/** A call to `x` from second `s`: answered after 3 s or not, ended at `s + 9`. */
const call = (id: string, x: string, s: number, answered: boolean) => [
  ev(id, 'CALLIN', s, { caller: '13800000007', called: x }),
  ...(answered ? [ev(id, 'ANSWER', s + 3)] : []),
  ev(id, 'DISCONNECT', s + 9, answered ? {} : { failureReason: 'NO_ANSWER' }),
];

const volume = async (key: string, vars: Record<string, unknown> = {}) =>
  (ok(await t.gql(VOLUME, { since: new Date(base - MINUTE).toISOString(), ...vars }, key)).callVolume as { minute: string; calls: number; answered: number }[]);
/** The minutes with calls, as [minutes after base, calls, answered]. */
const busy = (buckets: { minute: string; calls: number; answered: number }[]) =>
  buckets.filter((b) => b.calls).map((b) => [(new Date(b.minute).getTime() - base) / MINUTE, b.calls, b.answered]);

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  apps = await privacyApps(t, A, B);
  partner.app1 = await partnerKey(t, A, apps.app1, 'app1');
  partner.app2 = await partnerKey(t, A, apps.app2, 'app2');
  base = Math.floor(t.clock.now().getTime() / MINUTE) * MINUTE - 5 * MINUTE;
  const acme = [...call('v-1', X1, 0, true), ...call('v-2', X1, 10, true), ...call('v-3', X1, 20, false), ...call('v-4', X1, 65, false)];
  expect(ok(await t.gql(REPORT, { events: acme }, A.keys.admin)).reportCallEvents.every((r: any) => r.status === 'STORED')).toBe(true);
  const beta = [...call('w-1', X3, 5, true), ...call('w-2', X3, 130, true)];
  expect(ok(await t.gql(REPORT, { events: beta }, B.keys.admin)).reportCallEvents.every((r: any) => r.status === 'STORED')).toBe(true);
});
afterAll(() => t?.stop());

describe('C2: callVolume', () => {
  it('C2: every minute from since to now is present, oldest first, with the calls that ended in it and the answered ones', async () => {
    const buckets = await volume(A.keys.admin);
    // since = base − 1 min; the clock is in base + 5 min: 7 minutes
    expect(buckets.map((b) => (new Date(b.minute).getTime() - base) / MINUTE)).toEqual([-1, 0, 1, 2, 3, 4, 5]);
    expect(busy(buckets)).toEqual([
      [0, 3, 2],
      [1, 1, 0],
    ]);
    // a since inside a minute counts from that minute's start
    expect(busy(await volume(A.keys.supervisor, { since: new Date(base + 30_000).toISOString() }))).toEqual([
      [0, 3, 2],
      [1, 1, 0],
    ]);
  });

  it('C2: isolation: another tenant sees only its own calls; a PARTNER key only its app’s; appId filters', async () => {
    expect(busy(await volume(B.keys.admin))).toEqual([
      [0, 1, 1],
      [2, 1, 1],
    ]);
    expect(busy(await volume(partner.app1))).toEqual([
      [0, 3, 2],
      [1, 1, 0],
    ]);
    expect(busy(await volume(partner.app2))).toEqual([]);
    expect(busy(await volume(A.keys.admin, { app: gid('PrivacyApp', apps.app2) }))).toEqual([]);
    // B's app named by A's admin: the filter narrows A's rows, it never widens them
    expect(busy(await volume(A.keys.admin, { app: gid('PrivacyApp', apps.app3) }))).toEqual([]);
    expect(busy(await volume(t.operatorKey))).toEqual([
      [0, 4, 3],
      [1, 1, 0],
      [2, 1, 1],
    ]);
  });

  it('C2: since more than 24 hours back or in the future is a typed error naming since', async () => {
    const now = t.clock.now().getTime();
    for (const since of [new Date(now - 25 * 3_600_000), new Date(now + 2 * MINUTE)]) {
      const r = await t.gql(VOLUME, { since: since.toISOString() }, A.keys.admin);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'since' });
    }
  });
});
