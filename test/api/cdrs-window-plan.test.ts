import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { planWorld, plannedQuery } from '../support/plan-fixtures.js';
import { inChunks, planOf, queryRows, runSql } from '../support/plans.js';
import { captureQueries } from '../support/sql-count.js';

/**
 * C2, C4 at a billion CDRs: a CDR window (the last hour's calls per minute, a 31-day list, a list of a
 * past window) is read as one range of the tenant's (or the app's) index on the call's end, not by
 * reading the month's partition or every CDR stored after the window (migration 0026). Among
 * 20 000 CDRs of the tenant over the last ~16 hours, the statements the API really sends are
 * planned, and the lists come newest end first, paging by cursor without a gap; the same for a
 * window of 20 000 SMS (by the time they were sent).
 */

let t: TestApp;
let A: TenantFixture;
let partner: string;
const iso = (msAgo: number) => new Date(t.clock.now().getTime() - msAgo).toISOString();

const planned = (query: string, key: string) => plannedQuery(t, /from "cdrs"/, query, {}, key);

/** Read through an index on the window's time (a CDR's end, an SMS's sending), from the window's bounds (and a page's cursor) on, in order: no row filtered out by a time bound, nothing sorted. */
function readByEnd(plan: Awaited<ReturnType<typeof planOf>>, fromCursor = false, time = 'ended_at') {
  expect(plan.types).not.toContain('Seq Scan');
  expect(plan.types).not.toContain('Sort');
  expect(plan.indexes.some((i) => i.includes(time))).toBe(true);
  expect(plan.indexConds.some((c) => c.includes(`${time} >=`))).toBe(true);
  if (fromCursor) expect(plan.indexConds.some((c) => c.includes(`${time} <=`))).toBe(true);
  expect(plan.filters.filter((f) => new RegExp(`${time} [<>]`).test(f))).toEqual([]);
}

beforeAll(async () => {
  t = await startTestApp();
  ({ A, partner } = await planWorld(t, 'w-1', { secondsAgo: 60 }));
  // 20 000 more, one ending every 3 s before it (kept within its month, whose partition exists)
  await runSql(
    t.databaseUrl,
    ...inChunks(`
    insert into cdrs (tenant_id, app_id, call_id, switch_call_id, switch_event_id, x_e164, caller_e164, called_e164, answered_at, ended_at, billable_minutes, created_at, updated_at)
    select c.tenant_id, c.app_id, c.call_id, 'bulk-' || i, 'bulk-' || i, c.x_e164, '+8613' || lpad(i::text, 9, '0'), c.called_e164,
      case when i % 2 = 0 then e - interval '1 minute' end, e, i % 2, e, e
    from cdrs c, generate_series(1, 20000) i, greatest(c.ended_at - i * interval '3 seconds', date_trunc('month', c.ended_at)) e
    where c.switch_call_id = 'w-1'`),
    'analyze cdrs',
    // and 20 000 SMS of the tenant's app, one sent every 3 s
    ...inChunks(`
    insert into sms_messages (tenant_id, app_id, message_id, from_e164, to_e164, relay_status, text, sent_at, created_at)
    select c.tenant_id, c.app_id, 'bulk-sms-' || i, '+8613' || lpad(i::text, 9, '0'), c.x_e164, 'NOT_RELAYED', 'hello', e, e
    from cdrs c, generate_series(1, 20000) i, greatest(c.ended_at - i * interval '3 seconds', date_trunc('month', c.ended_at)) e
    where c.switch_call_id = 'w-1'`),
    'analyze sms_messages',
  );
}, 60_000);
afterAll(() => t?.stop());

describe('C2: CDR windows are index ranges on the call’s end', () => {
  it('C2: the last hour’s calls per minute (tenant and PARTNER) read only that hour’s CDRs, and count them all', async () => {
    const inHour = async () => (await queryRows(t.databaseUrl, `select count(*)::int as n from cdrs where ended_at >= date_trunc('minute', $1::timestamptz)`, [iso(3_600_000)]))[0].n;
    const query = `{ callVolume(since: "${iso(3_600_000)}") { minute calls answered } }`;
    for (const key of [A.keys.admin, partner]) {
      const { data, plan } = await planned(query, key);
      readByEnd(plan);
      const buckets = data.callVolume as { calls: number }[];
      expect(buckets.reduce((n, b) => n + b.calls, 0)).toBe(await inHour());
    }
  });

  it('C2: a list of a past window reads from the window’s end, newest end first, and pages without a gap', async () => {
    const from = iso(20 * 86_400_000);
    const to = iso(3_600_000);
    const page = (after?: string) => `{ cdrs(first: 50, from: "${from}", to: "${to}"${after ? `, after: "${after}"` : ''}) { edges { node { switchCallId endedAt } } pageInfo { endCursor hasNextPage } } }`;
    const first = await planned(page(), A.keys.admin);
    readByEnd(first.plan);
    const ends = (d: any) => d.cdrs.edges.map((e: any) => e.node.endedAt as string);
    const firstEnds = ends(first.data);
    expect(firstEnds).toHaveLength(50);
    expect(firstEnds.every((e: string) => e < to)).toBe(true);
    expect([...firstEnds].sort().reverse()).toEqual(firstEnds);
    const second = await planned(page(first.data.cdrs.pageInfo.endCursor), A.keys.admin);
    readByEnd(second.plan, true);
    const secondEnds = ends(second.data);
    // the next page starts right after the last end of the first (every 3 s: no CDR skipped)
    expect(new Date(firstEnds.at(-1)).getTime() - new Date(secondEnds[0]).getTime()).toBe(3000);
  });
  it('C2: the CSV export of a window pages through it, each page starting at the last one’s end in the index, every CDR once', async () => {
    const from = iso(20 * 86_400_000);
    const to = iso(3_600_000);
    let text = '';
    const sent = await captureQueries(/from "cdrs"/, async () => {
      const res = await fetch(`${t.url}/exports/cdrs.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${A.keys.admin}` } });
      expect(res.status).toBe(200);
      text = await res.text();
    });
    const rows = text.trim().split('\n').slice(1);
    const inWindow = (await queryRows(t.databaseUrl, `select count(*)::int as n from cdrs where tenant_id = $1 and ended_at >= $2 and ended_at < $3`, [A.tenantId, from, to]))[0].n;
    expect(rows).toHaveLength(inWindow);
    expect(new Set(rows.map((r) => r.split(',')[0])).size).toBe(inWindow);
    expect(sent.length).toBeGreaterThan(2);
    // a later page: the window's start and the last page's end (PostgreSQL takes it from the row comparison) both bound the index scan
    const plan = await planOf(t.databaseUrl, sent[2]!.text, sent[2]!.values);
    expect(plan.types).not.toContain('Sort');
    expect(plan.indexConds.some((c) => c.split('ended_at >=').length === 3)).toBe(true);
  });

  it('C4: a list of a past window of SMS reads from the window’s end, newest sent first, and pages without a gap', async () => {
    const from = iso(20 * 86_400_000);
    const to = iso(3_600_000);
    const page = (after?: string) => `{ smsMessages(first: 50, from: "${from}", to: "${to}"${after ? `, after: "${after}"` : ''}) { edges { node { sentAt } } pageInfo { endCursor } } }`;
    const first = await plannedQuery(t, /from "sms_messages"/, page(), {}, A.keys.admin);
    readByEnd(first.plan, false, 'sent_at');
    const sent = (d: any) => d.smsMessages.edges.map((e: any) => e.node.sentAt as string);
    const firstSent = sent(first.data);
    expect(firstSent).toHaveLength(50);
    expect(firstSent.every((e: string) => e < to)).toBe(true);
    expect([...firstSent].sort().reverse()).toEqual(firstSent);
    const second = await plannedQuery(t, /from "sms_messages"/, page(first.data.smsMessages.pageInfo.endCursor), {}, A.keys.admin);
    readByEnd(second.plan, true, 'sent_at');
    expect(new Date(firstSent.at(-1)).getTime() - new Date(sent(second.data)[0]).getTime()).toBe(3000);
  });
});

