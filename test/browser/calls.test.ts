import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { runningInstanceOn } from '../support/instances.js';
import { apiNumbers } from '../support/privacy-fixtures.js';
import { startReceiver } from '../support/webhook-receiver.js';

/**
 * C1, C2, C3 in the browser: the switch's events (reported over HTTP as a switch does; the
 * simulator sends the same mutation) move the live calls page without a reload; the CDR joins the
 * feed; its push to a receiver that refuses is dead-lettered and redelivered from the webhooks page.
 */

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let support: { e164: string; skillGroupId: string; agentId: string; agentName: string };
const X = '+862155620001';

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`,
  report: `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code field message } } }`,
};

let seq = 0;
/** Reports one event of call `callId`, `s` seconds after a start two minutes before the (manual) clock. */
async function report(callId: string, type: string, s: number, extra: Record<string, unknown> = {}) {
  const occurredAt = new Date(t.clock.now().getTime() - 120_000 + s * 1000).toISOString();
  // over HTTP to the running server, as the switch (or the simulator) sends it
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.keys.admin}` },
    body: JSON.stringify({ query: Q.report, variables: { events: [{ eventId: `web-${++seq}`, callId, type, occurredAt, ...extra }] } }),
  });
  const [r] = ok((await res.json()) as GqlResult).reportCallEvents;
  expect(r.status, JSON.stringify(r.error)).toBe('STORED');
}

/** Reports a batch of events at once (up to 500, as a switch does). */
async function reportAll(events: Record<string, unknown>[]) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.keys.admin}` },
    body: JSON.stringify({ query: Q.report, variables: { events } }),
  });
  const stored = ok((await res.json()) as GqlResult).reportCallEvents as { status: string }[];
  expect(stored.filter((r) => r.status !== 'STORED')).toEqual([]);
}

const advance = async (seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds }));

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  receiver = await startReceiver(() => 500);
  const numbers = await apiNumbers(t, acme, ['021 5562 0001']);
  const app = ok(await t.gql(Q.createApp, { input: { name: 'Acme rides', mode: 'AXB', cdrUrl: receiver.url } }, acme.keys.admin)).createPrivacyApp.app.id;
  ok(await t.gql(Q.move, { app, ids: numbers }, acme.keys.admin));
  const { instance, number } = await runningInstanceOn(t, acme, { name: 'Acme Support' });
  const group = await t.app.systemContext().db.selectFrom('skill_groups').select('id').where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
  const agent = await t.app.systemContext().db.selectFrom('agents').select(['id', 'name']).where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
  support = { e164: number.e164, skillGroupId: gid('SkillGroup', group.id), agentId: gid('Agent', agent.id), agentName: agent.name };
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await t?.stop();
});

async function openSection(page: Page, key: string, link: string) {
  await signIn(page, key);
  await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
  // the sidebar's link: the overview's tiles link to the same pages
  await page.locator('nav').getByRole('link', { name: link, exact: true }).click();
}

const callRow = (page: Page, id: string): Locator => page.locator(`[data-testid="live-calls"] tr[data-call="${id}"]`);
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);

describe('dashboard: live calls and webhooks in the browser (C1, C2, C3)', () => {
  it('C1, C2: a call appears ringing, talks with a ticking duration and ends on screen, then leaves; its CDR joins the feed and the last hour, without a reload', async () => {
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await openSection(a, acme.keys.admin, 'Live calls');
    await a.locator('[data-testid="live-calls"]').getByText('No call in progress.').waitFor();
    await a.locator('[data-testid="cdr-feed"]').getByText('No CDR yet.').waitFor();
    await a.locator('[data-testid="calls-last-hour"]', { hasText: /^0 calls$/ }).waitFor();
    await a.locator('[data-testid="calls-per-minute"] canvas').waitFor();
    await a.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    await report('b-1', 'CALLIN', 0, { caller: '13800000001', called: X });
    const row = callRow(a, 'b-1');
    await row.locator('[data-column="state"] .badge', { hasText: /^Ringing$/ }).waitFor();
    // the event names the app by id only; the page looks its name up
    await row.locator('[data-column="owner"]', { hasText: /^Acme rides$/ }).waitFor();
    // the state is a pill of its own height inside the row, not stretched to it
    const [pill, cell] = await Promise.all([row.locator('[data-column="state"] .badge').boundingBox(), row.locator('[data-column="state"]').boundingBox()]);
    expect(pill!.height).toBeLessThan(cell!.height * 0.7);
    await a.locator('[data-testid="live-count"]', { hasText: /^1 live$/ }).waitFor();
    await report('b-1', 'CALLOUT', 1, { callee: '13800000002' });
    await report('b-1', 'ANSWER', 5);
    await row.locator('[data-column="state"] .badge', { hasText: /^Talking$/ }).waitFor();
    // the duration ticks in the page: it shows another value a moment later
    const shown = await row.locator('[data-column="duration"]').textContent();
    expect(shown).toMatch(/^\d+:\d\d$/);
    await row.locator('[data-column="duration"]', { hasText: new RegExp(`^(?!${shown}$)\\d+:\\d\\d$`) }).waitFor();
    await screenshot(a, 'c01-call-talking');

    await report('b-1', 'DISCONNECT', 65);
    await row.locator('[data-column="state"] .badge', { hasText: /^Ended$/ }).waitFor();
    // 5 s → 65 s answered: one billable minute (C2); counted in the last hour at once
    const cdr = a.locator('[data-testid="cdr-feed"] tr[data-cdr="b-1"]');
    await cdr.locator('[data-column="billable"]', { hasText: /^1 min$/ }).waitFor();
    await a.locator('[data-testid="calls-last-hour"]', { hasText: /^1 call$/ }).waitFor();
    await a.locator('[data-testid="answer-rate"]', { hasText: /^100 % answered$/ }).waitFor();
    await screenshot(a, 'c02-call-ended-cdr');
    // the ended row leaves the table on its own
    await row.waitFor({ state: 'detached' });
    await a.locator('[data-testid="live-calls"]').getByText('No call in progress.').waitFor();

    // an unanswered call: its CDR bills 0 and the answer rate halves
    await report('b-2', 'CALLIN', 70, { caller: '13800000003', called: X });
    await callRow(a, 'b-2').waitFor();
    await report('b-2', 'DISCONNECT', 80, { failureReason: 'NO_ANSWER' });
    await a.locator('[data-testid="cdr-feed"] tr[data-cdr="b-2"] [data-column="billable"]', { hasText: /^0 min$/ }).waitFor();
    expect(await a.locator('[data-testid="cdr-feed"] tr[data-cdr="b-2"] [data-column="result"]').getAttribute('title')).toBe('NO_ANSWER');
    await a.locator('[data-testid="answer-rate"]', { hasText: /^50 % answered$/ }).waitFor();
    expect(await a.locator('[data-testid="cdr-feed"] tbody tr[data-cdr]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cdr')))).toEqual(['b-2', 'b-1']);

    expect(await sameDocument(a)).toBe(true);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('C1, I3: a call queued on an instance number shows in the call table and raises the instance’s In queue tile; when it ends the tile falls back', async () => {
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await openSection(a, acme.keys.supervisor, 'Live calls');
    const inQueue = (n: number) => a.locator('[data-testid="tiles-instance-Acme Support"] [data-metric="contactsInQueue"] .tile-value', { hasText: new RegExp(`^${n}$`) });
    await inQueue(0).waitFor();
    await report('q-1', 'CALLIN', 90, { caller: '13800000005', called: support.e164 });
    await report('q-1', 'QUEUED', 91, { skillGroupId: support.skillGroupId });
    await callRow(a, 'q-1').locator('[data-column="state"] .badge', { hasText: /^Queued$/ }).waitFor();
    await callRow(a, 'q-1').locator('[data-column="owner"]', { hasText: /^Acme Support$/ }).waitFor();
    await inQueue(1).waitFor();
    await screenshot(a, 'c05-queued-instance-tiles');
    // an agent's phone rings: the row names the agent too
    await report('q-1', 'ALERTING', 93, { agentId: support.agentId });
    await callRow(a, 'q-1').locator('[data-column="owner"]', { hasText: new RegExp(`^Acme Support · ${support.agentName}$`) }).waitFor();
    await report('q-1', 'DISCONNECT', 95, { failureReason: 'CALLER_HUNG_UP' });
    await inQueue(0).waitFor();
    await callRow(a, 'q-1').waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('C3: a CDR push the receiver refuses goes through its retries to a dead letter on screen; the admin redelivers it from the page and it is delivered; a supervisor has no Redeliver button', async () => {
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await advance(0);
    await openSection(a, acme.keys.admin, 'Webhooks');
    await a.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    // one delivery per CDR (b-1's and b-2's, written in separate reports): follow b-1's, the oldest
    await expect.poll(() => a.locator('[data-testid="delivery-list"] tr[data-delivery]').count()).toBe(2);
    const id = await a.locator('[data-testid="delivery-list"] tr[data-delivery]').last().getAttribute('data-delivery');
    const row = a.locator(`[data-testid="delivery-list"] tr[data-delivery="${id}"]`);
    await row.locator('[data-column="status"] .badge', { hasText: /^Pending$/ }).waitFor();
    await row.locator('[data-column="last-code"]', { hasText: /^500$/ }).waitFor();
    expect(await row.locator('[data-column="kind"]').textContent()).toBe('CDR');
    expect(await row.locator('[data-column="next-retry"]').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    // the schedule: 1, 4, 9, 106, 203, 300 minutes after the first attempt, then DEAD
    for (const minutes of [1, 3, 5, 97, 97, 97]) await advance(minutes * 60);
    await row.locator('[data-column="status"] .badge', { hasText: /^Dead$/ }).waitFor();
    await row.locator('[data-column="attempts"]', { hasText: /^7$/ }).waitFor();
    expect(await row.locator('[data-column="next-retry"]').textContent()).toBe('—');
    await row.getByRole('button', { name: /▸/ }).click();
    await expect.poll(() => a.locator('[data-testid="delivery-attempts"] tbody tr').count()).toBe(7);
    await a.locator('select[name="status"]').selectOption('DEAD');
    await row.getByRole('button', { name: 'Redeliver' }).waitFor();
    await screenshot(a, 'c03-dead-letter');

    const sup = await openUser(browser, t.url);
    await openSection(sup.page, acme.keys.supervisor, 'Webhooks');
    await sup.page.locator(`[data-testid="delivery-list"] tr[data-delivery="${id}"]`).locator('[data-column="status"] .badge', { hasText: /^Dead$/ }).waitFor();
    expect(await sup.page.getByRole('button', { name: 'Redeliver' }).count()).toBe(0);
    await sup.context.close();

    receiver.answerWith(() => 200);
    await row.getByRole('button', { name: 'Redeliver' }).click();
    // it leaves the dead letters (b-2's stays), and is sent again at once: delivered on screen
    await row.waitFor({ state: 'detached' });
    expect(await a.locator('[data-testid="delivery-list"] tr[data-delivery]').count()).toBe(1);
    await a.locator('select[name="status"]').selectOption({ label: 'All' });
    await advance(0);
    // advanceClock returns once the due attempt has run: the server's side first (its attempts say why, should it not be delivered), then the page's
    const sent = ok(await t.gql(`query($id: ID!) { delivery(id: $id) { status attempts { attempt statusCode error } } }`, { id: gid('Delivery', id!) }, acme.keys.admin)).delivery;
    expect(sent.status, JSON.stringify(sent.attempts)).toBe('DELIVERED');
    await row.locator('[data-column="status"] .badge', { hasText: /^Delivered$/ }).waitFor();
    await row.locator('[data-column="last-code"]', { hasText: /^200$/ }).waitFor();
    await row.locator('[data-column="attempts"]', { hasText: /^1$/ }).waitFor();
    await screenshot(a, 'c04-redelivered');
    expect(receiver.received.at(-1)?.status).toBe(200);
    expect(await sameDocument(a)).toBe(true);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
  it('C1: with 1 000 calls in progress only the rows in view are in the DOM; scrolling the table brings the others, and a call in view still changes in place', async () => {
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await openSection(a, acme.keys.admin, 'Live calls');
    await a.locator('[data-testid="live-calls"]').getByText('No call in progress.').waitFor();
    // 1 000 calls ringing, 10 ms apart: many-0999 is the newest
    const start = t.clock.now().getTime() - 60_000;
    const calls = Array.from({ length: 1000 }, (_, i) => ({
      eventId: `many-in-${i}`,
      callId: `many-${String(i).padStart(4, '0')}`,
      type: 'CALLIN',
      occurredAt: new Date(start + i * 10).toISOString(),
      caller: `1380001${String(i).padStart(4, '0')}`,
      called: X,
    }));
    for (let i = 0; i < calls.length; i += 500) await reportAll(calls.slice(i, i + 500));
    await a.locator('[data-testid="live-count"]', { hasText: /^1000 live$/ }).waitFor();

    const inDom = () => a.locator('[data-testid="live-calls"] tr[data-call]').count();
    await callRow(a, 'many-0999').waitFor();
    const atTop = await inDom();
    // a screenful and a few either side, not 1 000 rows
    expect(atTop).toBeGreaterThanOrEqual(10);
    expect(atTop).toBeLessThanOrEqual(40);
    expect(await callRow(a, 'many-0000').count()).toBe(0);
    await screenshot(a, 'c06-thousand-calls-top');

    // the scroll bar spans all 1 000: at its end the oldest call is on screen, the newest left the DOM
    await a.locator('[data-testid="live-calls-scroll"]').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await callRow(a, 'many-0000').waitFor();
    await callRow(a, 'many-0999').waitFor({ state: 'detached' });
    expect(await inDom()).toBeLessThanOrEqual(40);
    expect(await a.locator('[data-testid="live-calls"] tr[data-call]').last().getAttribute('data-call')).toBe('many-0000');
    // halfway down: the calls of the middle
    await a.locator('[data-testid="live-calls-scroll"]').evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
    await callRow(a, 'many-0500').waitFor();
    await callRow(a, 'many-0000').waitFor({ state: 'detached' });

    // a call in view is answered: its row changes where it is
    await reportAll([{ eventId: 'many-answer-500', callId: 'many-0500', type: 'ANSWER', occurredAt: new Date(start + 20_000).toISOString() }]);
    await callRow(a, 'many-0500').locator('[data-column="state"] .badge', { hasText: /^Talking$/ }).waitFor();
    await a.locator('[data-testid="live-count"]', { hasText: /^1000 live$/ }).waitFor();
    await screenshot(a, 'c07-thousand-calls-middle');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
