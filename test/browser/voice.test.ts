import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';

/**
 * Issue 14 in the browser: the package bars move as voice messages are sent and reported through
 * the API, without a reload; a month's statement opens with its lines and their sources, prints
 * without the chrome, and downloads as CSV.
 */

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;

const Q = {
  topUp: `mutation($t: ID!, $a: Decimal!) { topUpBalance(tenantId: $t, amount: $a) { amount } }`,
  adjust: `mutation($t: ID!, $a: Decimal!, $n: String!) { adjustBalance(tenantId: $t, amount: $a, note: $n) { amount } }`,
  advance: `mutation($s: Int!) { advanceClock(seconds: $s) }`,
};

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
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('dashboard: statements (M2)', () => {
  it('M2: a closed month’s statement opens from the list with its lines, a line opens onto its source records, the printable view has no chrome, and the CSV downloads', async () => {
    ok(await t.gql(Q.adjust, { t: gid('Tenant', acme.tenantId), a: '-12.5', n: 'Goodwill correction' }));
    const { context, page, pageErrors } = await openUser(browser, t.url);
    await signIn(page, acme.keys.supervisor);
    await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await page.getByRole('link', { name: 'Statements' }).click();
    await page.locator('[data-testid="statement-list"]').getByText('No statement yet').waitFor();

    // the month closes while the page is open: it joins the list (STATEMENT_CLOSED)
    await intoNextMonth();
    const row = page.locator('[data-testid="statement-list"] tr[data-statement]');
    await row.waitFor();
    const month = await row.getAttribute('data-statement');
    expect(await row.locator('[data-column="total"]').textContent()).toBe('12.50 CNY');
    await row.getByRole('link', { name: month! }).click();

    const statement = page.locator(`[data-testid="statement"][data-month="${month}"]`);
    await statement.waitFor();
    await statement.locator('[data-testid="statement-total"]', { hasText: '12.50 CNY' }).waitFor();
    const line = statement.locator('[data-testid="statement-lines"] tr[data-line="ADJUSTMENT"]');
    await line.getByRole('button', { name: /Sources/ }).click();
    await statement.locator('[data-testid="statement-sources"] tr[data-source="LEDGER_ENTRY"]', { hasText: 'Goodwill correction' }).waitFor();
    await screenshot(page, 'm01-statement-sources');

    const [download] = await Promise.all([page.waitForEvent('download'), statement.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`statement-${month}.csv`);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toContain('ADJUSTMENT');
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
