import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { approvedQualification } from '../support/application-fixtures.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import { voicePartner, voiceWorldOf } from '../support/voice-fixtures.js';

/**
 * Issue 14 in the browser: the package bars move as voice messages are sent and reported through
 * the API, without a reload; a month's statement opens with its lines and their sources, prints
 * without the chrome, and downloads as CSV.
 */

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;
let app: string;
let partner: string;

const Q = {
  topUp: `mutation($t: ID!, $a: Decimal!) { topUpBalance(tenantId: $t, amount: $a) { amount } }`,
  adjust: `mutation($t: ID!, $a: Decimal!, $n: String!) { adjustBalance(tenantId: $t, amount: $a, note: $n) { amount } }`,
  advance: `mutation($s: Int!) { advanceClock(seconds: $s) }`,
  import: `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { errors { row field message } } }`,
  createApp: `mutation($input: VoiceAppInput!) { createVoiceApp(input: $input) { id } }`,
  open: `mutation($input: OpenVoiceNumbersInput!) { openVoiceNumbers(input: $input) { numbers { e164 } } }`,
  buy: `mutation($input: BuyVoicePackageInput!) { buyVoicePackage(input: $input) { id } }`,
  send: `mutation($input: SendVoiceMessageInput!) { sendVoiceMessage(input: $input) { id status } }`,
  report: `mutation($r: [VoiceMessageReportInput!]!) { reportVoiceMessages(reports: $r) { status error { message } } }`,
};

/** The app's admin sends a message; the switch (the app's PARTNER key) reports its outcome: its id. */
async function sendMessage(text: string): Promise<string> {
  return ok(await t.gql(Q.send, { input: { appId: app, to: '+8613800138000', text } }, acme.keys.admin)).sendVoiceMessage.id;
}
async function reportOutcome(messageId: string, status: 'ANSWERED' | 'UNANSWERED', durationSeconds?: number) {
  const [r] = ok(await t.gql(Q.report, { r: [{ messageId, status, durationSeconds, at: t.clock.now().toISOString() }] }, partner)).reportVoiceMessages;
  expect(r.status, JSON.stringify(r.error)).toBe('STORED');
}

/** Moves the (manual) clock to the second day of the next month: the sweeps close the month's statements. */
async function intoNextMonth() {
  const now = t.clock.now();
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 2));
  ok(await t.gql(Q.advance, { s: Math.ceil((next.getTime() - now.getTime()) / 1000) }));
}

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  ok(await t.gql(Q.topUp, { t: gid('Tenant', acme.tenantId), a: '2000' }));
  await approvedQualification(t, acme);
  const rows = ['021 5564 0001', '021 5564 0002'].map((number) => ({ number, type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_TELECOM' }));
  expect(ok(await t.gql(Q.import, { rows })).importNumbers.errors).toEqual([]);
  app = ok(await t.gql(Q.createApp, { input: { name: 'Acme parcels' } }, acme.keys.admin)).createVoiceApp.id;
  ok(await t.gql(Q.open, { input: { appId: app, count: 1 } }, acme.keys.admin));
  ok(await t.gql(Q.buy, { input: { fixedPackage: 'FIXED_10K' } }, acme.keys.admin));
  partner = (await voicePartner(voiceWorldOf(t), acme.tenantId, fromGlobal(app))).secret;
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('dashboard: voice messages and minute packages (V1, V2, V3)', () => {
  it('V3: answered messages sent and reported through the API move the overview tile and the package bars, without a reload; the voice page shows each outcome', async () => {
    const { context, page, pageErrors } = await openUser(browser, t.url);
    await signIn(page, acme.keys.supervisor);
    await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    const tileRemaining = (n: string) => page.locator('[data-testid="tile-packages"] [data-metric="remaining"] .figure-value', { hasText: new RegExp(`^${n}$`) }).waitFor();
    await tileRemaining('10,000');
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    // 125 s of talk: ceil(125 / 60) = 3 minutes, on the overview at once
    await reportOutcome(await sendMessage('Your parcel arrives today'), 'ANSWERED', 125);
    await tileRemaining('9,997');
    await screenshot(page, 'v01-overview-package-tile');

    await page.locator('nav').getByRole('link', { name: 'Minute packages' }).click();
    const bars = page.locator('[data-testid="package-bars"]');
    await page.locator('[data-testid="package-bars"][data-remaining="9997"] canvas').waitFor();
    await page.locator('[data-testid="packages"] [data-metric="remaining"] .figure-value', { hasText: /^9,997$/ }).waitFor();
    // minutes used lately give a run-out date
    await page.locator('[data-testid="packages"] [data-metric="runOut"] .figure-value', { hasText: /^\d{4}-\d\d-\d\d$/ }).waitFor();
    await page.locator('[data-testid="package-usage-per-day"] canvas').waitFor();

    // 61 s: 2 more minutes; an unanswered message is free
    await reportOutcome(await sendMessage('Your parcel is at the door'), 'ANSWERED', 61);
    await page.locator('[data-testid="package-bars"][data-remaining="9995"]').waitFor();
    await page.locator('[data-testid="packages"] tr[data-package] [data-column="remaining"]', { hasText: /^9,995$/ }).waitFor();
    const free = await sendMessage('Nobody home?');
    await reportOutcome(free, 'UNANSWERED');
    expect(await bars.getAttribute('data-remaining')).toBe('9995');
    await screenshot(page, 'v02-package-bars');

    await page.locator('nav').getByRole('link', { name: 'Voice messages', exact: true }).click();
    await page.locator('[data-testid="voice-numbers"] tr[data-number]').waitFor();
    const rows = page.locator('[data-testid="voice-messages"] tr[data-message]');
    await expect.poll(() => rows.count()).toBe(3);
    const row = page.locator(`[data-testid="voice-messages"] tr[data-message="${free}"]`);
    await row.locator('[data-column="status"] .badge', { hasText: /^Unanswered$/ }).waitFor();
    // a message sent while the page is open joins it queued, then shows its outcome
    const live = await sendMessage('One more thing');
    const liveRow = page.locator(`[data-testid="voice-messages"] tr[data-message="${live}"]`);
    await liveRow.locator('[data-column="status"] .badge', { hasText: /^Queued$/ }).waitFor();
    await reportOutcome(live, 'ANSWERED', 30);
    await liveRow.locator('[data-column="status"] .badge', { hasText: /^Answered$/ }).waitFor();
    await liveRow.locator('[data-column="minutes"]', { hasText: /^1$/ }).waitFor();
    await screenshot(page, 'v03-voice-messages');

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('dashboard: buying minutes (V2)', () => {
  it('V2: the admin sees the quote of a custom package (a bad quantity named under its field), buys it from the balance, and its bar joins the chart', async () => {
    const { context, page, pageErrors } = await openUser(browser, t.url);
    await signIn(page, acme.keys.admin);
    await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await page.locator('nav').getByRole('link', { name: 'Minute packages' }).click();
    const form = page.locator('[data-testid="package-buy"]');
    await form.locator('[data-testid="package-quote"]', { hasText: '1,050.00 CNY' }).waitFor();
    await form.locator('select[name="fixedPackage"]').selectOption({ label: 'Custom minutes…' });
    await form.locator('input[name="minutes"]').fill('1500');
    await form.locator('.field-error', { hasText: /steps of 1000 minutes/ }).waitFor();
    await form.locator('input[name="minutes"]').fill('1000');
    await form.locator('[data-testid="package-quote"]', { hasText: /110\.00 CNY.*0\.11/ }).waitFor();
    await form.getByRole('button', { name: 'Buy' }).click();
    await form.getByRole('status').filter({ hasText: '1,000 minutes bought' }).waitFor();
    // both packages were bought at the same instant of the test clock: their order on screen is the id's, so compare as a set
    const remaining = async () => ((await page.locator('[data-testid="package-bars"]').getAttribute('data-remaining')) ?? '').split(',').sort().join(',');
    await expect.poll(remaining, { timeout: 15_000 }).toBe('1000,9994');
    await screenshot(page, 'v04-package-bought');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('dashboard: statements (M2)', () => {
  it('M2: a closed month’s statement opens from the list with its lines, a line opens onto its source records, the printable view has no chrome, and the CSV downloads', async () => {
    ok(await t.gql(Q.adjust, { t: gid('Tenant', acme.tenantId), a: '-12.5', n: 'Goodwill correction' }));
    const { context, page, pageErrors } = await openUser(browser, t.url);
    await signIn(page, acme.keys.supervisor);
    await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await page.locator('nav').getByRole('link', { name: 'Statements', exact: true }).click();
    await page.locator('[data-testid="statement-list"]').getByText('No statement yet').waitFor();

    // the month closes while the page is open: it joins the list (STATEMENT_CLOSED)
    await intoNextMonth();
    const row = page.locator('[data-testid="statement-list"] tr[data-statement]');
    await row.waitFor();
    const month = await row.getAttribute('data-statement');
    const total = await row.locator('[data-column="total"]').textContent();
    await row.getByRole('link', { name: month! }).click();

    const statement = page.locator(`[data-testid="statement"][data-month="${month}"]`);
    await statement.waitFor();
    expect(await statement.locator('[data-testid="statement-total"]').textContent()).toBe(total);
    // the package bought (V2), the number's opening month (V1) and the correction, each down to its records
    const lines = statement.locator('[data-testid="statement-lines"]');
    for (const packageLine of await lines.locator('tr[data-line="VOICE_PACKAGE"]').all()) await packageLine.getByRole('button', { name: /Sources/ }).click();
    for (const price of ['1,050.00 CNY', '110.00 CNY']) await lines.locator('[data-testid="statement-sources"] tr[data-source="ORDER_LINE"]', { hasText: price }).waitFor();
    await lines.locator('tr[data-line="VOICE_NUMBER_FEE"]').waitFor();
    // the answered messages of the first test (V3): package minutes, no money, down to each message
    await lines.locator('tr[data-line="VOICE_MINUTES"]').getByRole('button', { name: /Sources/ }).click();
    await lines.locator('[data-testid="statement-sources"] tr[data-source="VOICE_MESSAGE"]', { hasText: /Answered · \d+ s · \d+ min from the packages/ }).first().waitFor();
    await lines.locator('tr[data-line="ADJUSTMENT"]').getByRole('button', { name: /Sources/ }).click();
    await lines.locator('[data-testid="statement-sources"] tr[data-source="LEDGER_ENTRY"]', { hasText: 'Goodwill correction' }).waitFor();
    await screenshot(page, 'm01-statement-sources');

    const [download] = await Promise.all([page.waitForEvent('download'), statement.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`statement-${month}.csv`);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toContain('ADJUSTMENT');
    expect(csv).toContain('VOICE_PACKAGE');
    expect(csv).toContain('CLOSING_BALANCE');

    await statement.getByRole('link', { name: 'Printable view' }).click();
    await page.waitForURL(/\?print/);
    await page.getByRole('button', { name: 'Print' }).waitFor();
    expect(await page.locator('.sidebar').isVisible()).toBe(false);
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    await screenshot(page, 'm02-statement-printable');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.locator('.sidebar').waitFor();
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
