import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { isolationVoiceMessages } from '../support/voice-fixtures.js';

// csv-parse is the server's dependency: resolve it from there rather than adding it to the tests.
const { parse: parseCsv } = createRequire(import.meta.resolve('@callplane/server'))('csv-parse/sync') as { parse: (text: string, opts: { bom: boolean; columns: true }) => Record<string, string>[] };

/** M2 over GraphQL and plain HTTP: statements closed by the clock, statement(id), GET /exports/statements/<id>.csv. */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let statementA: string, statementB: string;
let answered: string;

const STATEMENTS = `{ statements(first: 10) { edges { node { id month timeZone openingBalance topUps total closingBalance closedAt
  lines { kind description quantity unitPrice amount note sources(first: 5) { edges { node { kind ledgerEntry { amount } voiceMessage { id status durationSeconds } } } } } } } } }`;
const get = (path: string, key?: string) => fetch(`${t.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  for (const f of [A, B]) ok(await t.gql(`mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "100") { amount } }`, { t: gid('Tenant', f.tenantId) }));
  // a correction whose note a spreadsheet would run as a formula
  ok(await t.gql(`mutation($t: ID!) { adjustBalance(tenantId: $t, amount: "-12.5", note: "=HYPERLINK(\\"http://evil.example\\")") { amount } }`, { t: gid('Tenant', A.tenantId) }));
  // a credit a second later (lines of one kind follow their entries' order): a negative line, which the CSV keeps a number
  ok(await t.gql(`mutation { advanceClock(seconds: 1) }`));
  ok(await t.gql(`mutation($t: ID!) { adjustBalance(tenantId: $t, amount: "12", note: "goodwill") { amount } }`, { t: gid('Tenant', A.tenantId) }));
  // a voice app whose package gave 2 minutes to one answered message (75 s), a second left unanswered
  const [voice] = await isolationVoiceMessages(t, [{ tenantId: A.tenantId, adminKey: A.keys.admin }]);
  const messages = ok(await t.gql(`{ voiceMessages(first: 5) { edges { node { id status } } } }`, {}, A.keys.admin)).voiceMessages.edges;
  answered = messages.find((e: { node: { status: string } }) => e.node.status === 'ANSWERED').node.id;
  expect(voice!.appId).toBeTruthy();
  // into the next month in Asia/Shanghai: advanceClock runs the sweeps, which close the month's statements
  const now = t.clock.now();
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 2));
  ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: Math.ceil((nextMonth.getTime() - now.getTime()) / 1000) }));
  statementA = ok(await t.gql(STATEMENTS, {}, A.keys.admin)).statements.edges[0].node.id;
  statementB = ok(await t.gql(STATEMENTS, {}, B.keys.admin)).statements.edges[0].node.id;
});
afterAll(() => t?.stop());

describe('M2: statements over GraphQL and CSV', () => {
  it('M2: the tenant reads its closed statement with its lines and their sources; reconciled totals', async () => {
    const [edge, ...more] = ok(await t.gql(STATEMENTS, {}, A.keys.supervisor)).statements.edges;
    expect(more).toEqual([]);
    expect(edge.node).toMatchObject({ id: statementA, timeZone: 'Asia/Shanghai', openingBalance: '0.000', topUps: '100.000', total: '0.500', closingBalance: '99.500' });
    expect(edge.node.lines).toEqual([
      {
        kind: 'VOICE_MINUTES',
        description: expect.stringMatching(/^Voice-message minutes, voice app Voice \S+ \(1 message\): paid by the prepaid minute packages/),
        quantity: 2,
        unitPrice: '0.000',
        amount: '0.000',
        note: expect.stringContaining('prepaid minute packages'),
        sources: { edges: [{ node: { kind: 'VOICE_MESSAGE', ledgerEntry: null, voiceMessage: { id: answered, status: 'ANSWERED', durationSeconds: 75 } } }] },
      },
      { kind: 'ADJUSTMENT', description: '=HYPERLINK("http://evil.example")', quantity: 1, unitPrice: '12.500', amount: '12.500', note: null, sources: { edges: [{ node: { kind: 'LEDGER_ENTRY', ledgerEntry: { amount: '-12.500' }, voiceMessage: null } }] } },
      { kind: 'ADJUSTMENT', description: 'goodwill', quantity: 1, unitPrice: '-12.000', amount: '-12.000', note: null, sources: { edges: [{ node: { kind: 'LEDGER_ENTRY', ledgerEntry: { amount: '12.000' }, voiceMessage: null } }] } },
    ]);
    const r = ok(await t.gql(`query($id: ID!) { statement(id: $id) { id } node(id: $id) { id } }`, { id: statementB }, A.keys.admin));
    expect(r).toEqual({ statement: null, node: null });
    expect(ok(await t.gql(STATEMENTS, {}, A.keys.partner)).statements.edges).toEqual([]);
  });

  it('M2: GET /exports/statements/<id>.csv: the lines (the voice minutes too) then the totals, formula cells neutralised, amounts (a negative one too) left as numbers', async () => {
    const res = await get(`/exports/statements/${encodeURIComponent(statementA)}.csv`, A.keys.admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="statement-\d{4}-\d{2}\.csv"$/);
    const rows = parseCsv(await res.text(), { bom: true, columns: true });
    expect(rows.map((r) => [r.kind, r.description, r.quantity, r.unit_price, r.amount])).toEqual([
      ['VOICE_MINUTES', expect.stringMatching(/^Voice-message minutes, voice app .+ \(1 message\): paid by the prepaid minute packages \(V2, V3\)$/), '2', '0.000', '0.000'],
      ['ADJUSTMENT', `'=HYPERLINK("http://evil.example")`, '1', '12.500', '12.500'],
      ['ADJUSTMENT', 'goodwill', '1', '-12.000', '-12.000'],
      ['OPENING_BALANCE', '', '', '', '0.000'],
      ['TOP_UPS', '', '', '', '100.000'],
      ['TOTAL', '', '', '', '0.500'],
      ['CLOSING_BALANCE', '', '', '', '99.500'],
    ]);
    expect(rows.every((r) => r.time_zone === 'Asia/Shanghai' && r.currency === 'CNY')).toBe(true);
  });

  it('M2: the same isolation as statement(id:): another tenant, a PARTNER, a bad id are 404; the OPERATOR and a supervisor read it; no key is 401', async () => {
    const path = `/exports/statements/${encodeURIComponent(statementA)}.csv`;
    for (const key of [B.keys.admin, B.keys.supervisor, A.keys.partner]) expect((await get(path, key)).status).toBe(404);
    for (const key of [t.operatorKey, A.keys.supervisor]) expect((await get(path, key)).status).toBe(200);
    expect((await get(path)).status).toBe(401);
    expect((await get('/exports/statements/nope.csv', A.keys.admin)).status).toBe(404);
    expect((await get(`/exports/statements/${encodeURIComponent(gid('Order', '00000000-0000-0000-0000-000000000000'))}.csv`, A.keys.admin)).status).toBe(404);
    expect((await get(`/exports/statements/${encodeURIComponent(statementB)}.csv`, B.keys.admin)).status).toBe(200);
  });
});
