import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { applyForLocalNumber, approvedQualification } from '../support/application-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlSockets, launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { partnerKey } from '../support/partner-keys.js';
import { apiNumbers } from '../support/privacy-fixtures.js';
import { startReceiver } from '../support/webhook-receiver.js';

/**
 * Issue 14, the supervisor's overview: its tiles (live calls, number pools, applications, webhook
 * health) move when a call, a binding, an application and a failed CDR push happen through the
 * API, without a reload; each tile links to its page.
 */

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let rides: string;
let qualification: string;
const X = '+862155630001';

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`,
  bind: `mutation($app: ID!, $input: BindInput!) { bind(appId: $app, input: $input) { id } }`,
  report: `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { message } } }`,
  advance: `mutation($s: Int!) { advanceClock(seconds: $s) }`,
};

let seq = 0;
/** The switch reports one event of a call, `s` seconds after a start two minutes before the (manual) clock. */
async function callEvent(callId: string, type: string, s: number, extra: Record<string, unknown> = {}) {
  const event = { eventId: `ov-${++seq}`, callId, type, occurredAt: new Date(t.clock.now().getTime() - 120_000 + s * 1000).toISOString(), ...extra };
  const [stored] = ok(await t.gql(Q.report, { events: [event] }, acme.keys.admin)).reportCallEvents;
  expect(stored.status, JSON.stringify(stored.error)).toBe('STORED');
}

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  receiver = await startReceiver(() => 500);
  const numbers = await apiNumbers(t, acme, ['021 5563 0001', '021 5563 0002']);
  rides = ok(await t.gql(Q.createApp, { input: { name: 'Acme rides', mode: 'AXB', cdrUrl: receiver.url } }, acme.keys.admin)).createPrivacyApp.app.id;
  ok(await t.gql(Q.move, { app: rides, ids: numbers }, acme.keys.admin));
  qualification = await approvedQualification(t, acme);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await t?.stop();
});

/** A figure of a tile, waited for until it shows `value`. */
const figure = (page: Page, tile: string, metric: string, value: string | number) =>
  page.locator(`[data-testid="tile-${tile}"] [data-metric="${metric}"] .figure-value`, { hasText: new RegExp(`^${value}$`) }).waitFor();
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);

describe('dashboard: the overview (issue 14)', () => {
  it('C1, C2, P1, N3, C3: the tiles move when a binding, a call, an application and a failed CDR push happen, without a reload', async () => {
    const { context, page, pageErrors } = await openUser(browser, t.url);
    await signIn(page, acme.keys.supervisor);
    await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await figure(page, 'pools', 'bound', 0);
    await figure(page, 'pools', 'free', 2);
    await figure(page, 'calls', 'inProgress', 0);
    await figure(page, 'calls', 'callsLastHour', 0);
    await figure(page, 'applications', 'PENDING_REVIEW', 0);
    await figure(page, 'webhooks', 'failing', 0);
    await page.locator('[data-testid="tile-calls"] canvas').waitFor();
    await page.locator('[data-testid="tile-pools"] canvas').waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await screenshot(page, 'ov01-overview-quiet');

    // P1: a binding takes one number of the pool
    ok(await t.gql(Q.bind, { app: rides, input: { a: '13800000001', b: '13800000002', x: X } }, acme.keys.admin));
    await figure(page, 'pools', 'bound', 1);
    await figure(page, 'pools', 'free', 1);

    // C1, C2: a call rings, is answered and ends: in progress 1, then 0; the last hour counts it, answered
    await callEvent('ov-call-1', 'CALLIN', 0, { caller: '13800000001', called: X });
    await figure(page, 'calls', 'inProgress', 1);
    await callEvent('ov-call-1', 'CALLOUT', 1, { callee: '13800000002' });
    await callEvent('ov-call-1', 'ANSWER', 5);
    await screenshot(page, 'ov02-overview-call-in-progress');
    await callEvent('ov-call-1', 'DISCONNECT', 65);
    await figure(page, 'calls', 'inProgress', 0);
    await figure(page, 'calls', 'callsLastHour', 1);
    await figure(page, 'calls', 'answerRate', '100 %');

    // C3: the CDR's push is refused (500): a failing delivery, retried
    ok(await t.gql(Q.advance, { s: 0 }));
    await figure(page, 'webhooks', 'failing', 1);
    await figure(page, 'webhooks', 'pending', 1);

    // N3: an application joins the pipeline as pending review
    await applyForLocalNumber(t, acme, qualification);
    await figure(page, 'applications', 'PENDING_REVIEW', 1);
    await screenshot(page, 'ov03-overview-moved');

    expect(await sameDocument(page)).toBe(true);
    // each tile is a link to its page
    await page.locator('[data-testid="tile-pools"]').getByRole('link', { name: /Number pools/ }).click();
    await page.waitForURL(/\/privacy\/pools$/);
    await page.locator('[data-testid="pool-chart"]').waitFor();
    expect(await sameDocument(page)).toBe(true);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('RT3: a binding made while the connection is down moves the pool tile once it is back (replayed after its cursor), without a reload', async () => {
    const { context, page, pageErrors } = await openUser(browser, t.url);
    const sockets = await controlSockets(context);
    await signIn(page, acme.keys.supervisor);
    const indicator = page.locator('[data-testid="live-indicator"]');
    await indicator.filter({ hasText: 'Live' }).waitFor();
    await figure(page, 'pools', 'bound', 1);
    await sockets.drop(page);
    await indicator.filter({ hasText: /Offline|Reconnecting/ }).waitFor();
    ok(await t.gql(Q.bind, { app: rides, input: { a: '13800000005', b: '13800000006', x: '+862155630002' } }, acme.keys.admin));
    await sockets.restore(page);
    await indicator.filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await figure(page, 'pools', 'bound', 2);
    await figure(page, 'pools', 'free', 0);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it('§1: a PARTNER key’s overview has no tiles (their pages are not its to open), only its event feed', async () => {
    const { context, page, pageErrors } = await openUser(browser, t.url);
    await signIn(page, await partnerKey(t, acme, Buffer.from(rides, 'base64').toString().split(':')[1]!, 'rides'));
    await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await page.getByRole('heading', { name: 'Event feed' }).waitFor();
    expect(await page.locator('[data-testid="overview-tiles"]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
