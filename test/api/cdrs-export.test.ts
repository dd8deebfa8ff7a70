import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { privacyApps } from '../support/privacy-fixtures.js';
import { partnerKey } from '../support/partner-keys.js';

// csv-parse is the server's dependency: resolve it from there rather than adding it to the tests.
const { parse: parseCsv } = createRequire(import.meta.resolve('@callplane/server'))('csv-parse/sync') as { parse: (text: string, opts: { bom: boolean; columns: true }) => Record<string, string>[] };

/** C2, P9 over plain HTTP: GET /exports/cdrs.csv (the cdrs query's filters and scope) and GET /recordings/<Cdr id>. */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let apps: { app1: string; app2: string; app3: string };
const keys = { app1: '', app2: '', app3: '' };
const X1 = '+862155600001';
const X2 = '+862155600003';
const X3 = '+862155600011';
const RECORDING = 'https://switch.example/recordings/a-1.mp3';

const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code field message } } }`;
const CDR_IDS = `{ cdrs(first: 50) { edges { node { id switchCallId } } } }`;

let seq = 0;
const at = (s: number) => new Date(t.clock.now().getTime() - 600_000 + s * 1000).toISOString();
const ev = (callId: string, type: string, s: number, extra: Record<string, unknown> = {}) => ({ eventId: `exp-${++seq}`, callId, type, occurredAt: at(s), ...extra });
const call = (id: string, caller: string, called: string, talk: number, extra: Record<string, unknown> = {}) => [
  ev(id, 'CALLIN', 0, { caller, called }),
  ev(id, 'ANSWER', 5),
  ev(id, 'DISCONNECT', 5 + talk, extra),
];

async function report(key: string, events: unknown[]) {
  const r = ok(await t.gql(REPORT, { events }, key)).reportCallEvents as { status: string }[];
  expect(r.map((x) => x.status)).toEqual(events.map(() => 'STORED'));
}

const get = (path: string, key: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}` }, redirect: 'manual' });

async function csv(path: string, key: string) {
  const res = await get(path, key);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return parseCsv(await res.text(), { bom: true, columns: true });
}
const calls = (records: Record<string, string>[]) => records.map((r) => r.switch_call_id).sort();

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  apps = await privacyApps(t, A, B);
  [keys.app1, keys.app2, keys.app3] = [await partnerKey(t, A, apps.app1, 'app1'), await partnerKey(t, A, apps.app2, 'app2'), await partnerKey(t, B, apps.app3, 'app3')];
  await report(keys.app1, [...call('a-1', '13800000003', X1, 61, { recordingUrl: RECORDING }), ...call('a-2', '13800000007', X1, 0)]);
  await report(keys.app2, call('a-3', '13800000005', X2, 30));
  await report(keys.app3, call('b-1', '13900000001', X3, 120, { recordingUrl: 'https://switch.example/recordings/b-1.mp3' }));
});
afterAll(() => t?.stop());

describe('C2/P9: GET /exports/cdrs.csv', () => {
  it('C2: a tenant admin’s export holds its CDRs with the billing columns, and none of the other tenant’s', async () => {
    const records = await csv('/exports/cdrs.csv', A.keys.admin);
    expect(calls(records)).toEqual(['a-1', 'a-2', 'a-3']);
    const a1 = records.find((r) => r.switch_call_id === 'a-1')!;
    expect(a1).toMatchObject({ x: X1, caller: '+8613800000003', billable_minutes: '2', recording_url: RECORDING, answered_at: at(5), ended_at: at(66), tenant_id: A.tenantId, app_id: apps.app1 });
    expect(records.find((r) => r.switch_call_id === 'a-2')!.billable_minutes).toBe('0');
    expect(calls(await csv('/exports/cdrs.csv', B.keys.admin))).toEqual(['b-1']);
  });

  it('P9: a PARTNER key exports only its app’s CDRs (app 2 of the same tenant: only its own)', async () => {
    expect(calls(await csv('/exports/cdrs.csv', keys.app1))).toEqual(['a-1', 'a-2']);
    expect(calls(await csv('/exports/cdrs.csv', keys.app2))).toEqual(['a-3']);
    expect(calls(await csv(`/exports/cdrs.csv?appId=${encodeURIComponent(gid('PrivacyApp', apps.app1))}`, keys.app2))).toEqual([]);
  });

  it('P9: the filters of the cdrs query: number, app, time range', async () => {
    expect(calls(await csv('/exports/cdrs.csv?number=13800000007', A.keys.admin))).toEqual(['a-2']);
    expect(calls(await csv(`/exports/cdrs.csv?appId=${encodeURIComponent(gid('PrivacyApp', apps.app2))}`, A.keys.admin))).toEqual(['a-3']);
    const now = t.clock.now().getTime();
    const range = (from: number, to: number) => `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    expect(calls(await csv(`/exports/cdrs.csv?${range(now - 3_600_000, now)}`, A.keys.admin))).toEqual(['a-1', 'a-2', 'a-3']);
    expect(calls(await csv(`/exports/cdrs.csv?${range(now - 40 * 86_400_000, now - 30 * 86_400_000)}`, A.keys.admin))).toEqual([]);
  });

  it('P9: a bad filter is a 400 with a JSON error naming the parameter, never a partial CSV', async () => {
    const now = t.clock.now().getTime();
    const cases: [string, string][] = [
      ['from=yesterday', 'from'],
      ['to=2026-13-45T00:00:00Z', 'to'],
      [`from=${new Date(now - 40 * 86_400_000).toISOString()}`, 'to'],
      [`from=${new Date(now).toISOString()}&to=${new Date(now - 1000).toISOString()}`, 'from'],
      ['number=not-a-number', 'number'],
      ['appId=bogus', 'appId'],
      [`appId=${encodeURIComponent(gid('Instance', apps.app1))}`, 'appId'],
      ['bindingId=x', 'bindingId'],
      ['instanceId=x', 'instanceId'],
      ['app=1', 'app'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/exports/cdrs.csv?${query}`, A.keys.admin);
      expect([query, res.status, res.headers.get('content-type')]).toEqual([query, 400, 'application/json; charset=utf-8']);
      expect((await res.json()).errors[0].extensions, query).toEqual({ code: 'INVALID_INPUT', field });
    }
  });
});

describe('P9: GET /recordings/<Cdr id>', () => {
  const cdrIds = async (key: string) => Object.fromEntries((ok(await t.gql(CDR_IDS, {}, key)).cdrs.edges as any[]).map((e) => [e.node.switchCallId, e.node.id as string]));

  it('P9: a CDR with a recording answers 302 to the recording’s URL, with the reference as JSON, for the keys that may read the CDR', async () => {
    const id = (await cdrIds(A.keys.admin))['a-1']!;
    for (const key of [A.keys.admin, A.keys.supervisor, keys.app1]) {
      const res = await get(`/recordings/${encodeURIComponent(id)}`, key);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(RECORDING);
      expect(await res.json()).toEqual({ cdrId: id, recordingUrl: RECORDING, forAnalysis: false });
    }
  });

  it('P9: another tenant’s or another app’s CDR, one without a recording, a missing or malformed id: 404', async () => {
    const own = await cdrIds(A.keys.admin);
    const theirs = (await cdrIds(B.keys.admin))['b-1']!;
    const statuses = async (key: string, ids: string[]) => Promise.all(ids.map(async (id) => (await get(`/recordings/${encodeURIComponent(id)}`, key)).status));
    expect(await statuses(A.keys.admin, [theirs])).toEqual([404]);
    expect(await statuses(B.keys.admin, [theirs])).toEqual([302]);
    expect(await statuses(keys.app2, [own['a-1']!])).toEqual([404]);
    expect(await statuses(keys.app3, [own['a-1']!])).toEqual([404]);
    expect(await statuses(A.keys.admin, [own['a-2']!, gid('Cdr', '00000000-0000-0000-0000-000000000000'), gid('PrivacyApp', apps.app1), 'not-an-id'])).toEqual([404, 404, 404, 404]);
    const res = await get(`/recordings/${encodeURIComponent(own['a-2']!)}`, A.keys.admin);
    expect((await res.json()).errors[0].extensions).toEqual({ code: 'NOT_FOUND', field: 'id' });
    expect((await fetch(`${t.url}/recordings/${encodeURIComponent(own['a-1']!)}`, { redirect: 'manual' })).status).toBe(401);
  });
});
