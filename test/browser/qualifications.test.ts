import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlSockets, launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function submitByApi(key: string, companyName: string) {
  const r = await t.gql(
    `mutation($i: QualificationInput!) { submitQualification(input: $i) { id } }`,
    {
      i: {
        kind: 'STANDARD',
        companyName,
        creditCode: '91350100M000100Y43',
        legalRepresentative: 'Zhang San',
        licenceIndefinite: true,
        contactName: 'Li Si',
        contactMobile: '13800138000',
      },
    },
    key,
  );
  expect(r.errors).toBeUndefined();
}

const row = (page: Page, list: 'review-queue' | 'qualification-list', company: string) =>
  page.locator(`[data-testid="${list}"] tr[data-qualification="${company}"]`);

describe('dashboard: qualifications in the browser (Q1, Q3, Q4)', () => {
  it('Q1: a tenant submits with a document, an OPERATOR approves from the review queue, the tenant sees APPROVED live', async () => {
    // Q3: a saved handler, to be picked by name in the form.
    const saved = await t.gql(
      `mutation { saveHandler(name: "Wang Wu", idNumber: "E12345678", mobile: "13900139000", email: "wang.wu@acme.example") { id } }`,
      {},
      acme.keys.admin,
    );
    expect(saved.errors).toBeUndefined();

    // The OPERATOR is signed in first and watches the live event feed on the overview.
    const operator = await openUser(browser, t.url);
    const b = operator.page;
    await signIn(b, t.operatorKey);
    await b.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();

    const tenant = await openUser(browser, t.url);
    const a = tenant.page;
    await signIn(a, acme.keys.admin);
    await a.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await screenshot(a, '01-tenant-overview');

    await a.locator('nav').getByRole('link', { name: 'Qualifications', exact: true }).click();
    await a.getByText('No qualifications yet.').waitFor();
    await a.getByRole('link', { name: 'New qualification' }).click();
    await a.locator('input[name="companyName"]').fill('Acme Telecom Ltd');
    await a.locator('input[name="creditCode"]').fill('91350100M000100Y43');
    await a.locator('input[name="legalRepresentative"]').fill('Zhang San');
    await a.locator('input[name="licenceValidUntil"]').fill('2035-06-30');
    await a.locator('input[name="contactName"]').fill('Li Si');
    await a.locator('input[name="contactMobile"]').fill('13800138000');
    await a.locator('input[name="contactEmail"]').fill('li.si@acme.example');
    await a.locator('input[name="handlerName"]').fill('Wang Wu');
    await a.waitForFunction(() => (document.querySelector('input[name="handlerIdNumber"]') as HTMLInputElement)?.value === 'E12345678');
    await a.locator('input[name="document-AUTHORIZATION_LETTER"]').setInputFiles({ name: 'authorization-letter.pdf', mimeType: 'application/pdf', buffer: PDF });
    await screenshot(a, '02-tenant-form');
    await a.getByRole('button', { name: 'Submit for review' }).click();

    const mine = row(a, 'qualification-list', 'Acme Telecom Ltd');
    await mine.locator('.badge', { hasText: 'Pending review' }).waitFor();
    await screenshot(a, '03-tenant-pending');

    await b.locator('[data-testid="event-feed"] tr', { hasText: 'Qualification status changed' }).waitFor();
    await screenshot(b, '04-operator-event-feed');
    await b.locator('nav').getByRole('link', { name: 'Qualifications', exact: true }).click();
    const queued = row(b, 'review-queue', 'Acme Telecom Ltd');
    await queued.waitFor();
    await screenshot(b, '05-operator-queue');
    await queued.getByRole('button', { name: 'Approve' }).click();
    await b.locator('[data-testid="review-queue"]').getByText('The queue is empty').waitFor();
    await screenshot(b, '06-operator-approved');

    // Context A was not reloaded: the subscription moved the row to APPROVED.
    await mine.locator('.badge', { hasText: 'Approved' }).waitFor();
    await screenshot(a, '07-tenant-approved-live');

    // Q4: the document downloads with the tenant's key.
    await mine.getByRole('button', { name: 'Details' }).click();
    const [download] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('authorization-letter.pdf');
    await screenshot(a, '08-tenant-details');

    expect(tenant.pageErrors).toEqual([]);
    expect(operator.pageErrors).toEqual([]);
    await tenant.context.close();
    await operator.context.close();
  }, 90_000);

  it('a SUPERVISOR sees the qualifications read-only; a reload keeps the session, sign-out ends it', async () => {
    const { page, context } = await openUser(browser, t.url);
    await signIn(page, acme.keys.supervisor);
    await page.locator('nav').getByRole('link', { name: 'Qualifications', exact: true }).click();
    await row(page, 'qualification-list', 'Acme Telecom Ltd').locator('.badge', { hasText: 'Approved' }).waitFor();
    expect(await page.getByRole('link', { name: 'New qualification' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(page, '09-supervisor-read-only');
    // The key lives in sessionStorage: a reload stays signed in, on the same page.
    await page.reload();
    await row(page, 'qualification-list', 'Acme Telecom Ltd').waitFor();
    expect(new URL(page.url()).pathname).toBe('/qualifications');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input[name="apiKey"]').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  }, 60_000);

  it('Q1, Q4: an invalid credit code and a refused document are shown under their fields (extensions.field)', async () => {
    const { page, context } = await openUser(browser, t.url);
    await signIn(page, acme.keys.admin);
    await page.locator('nav').getByRole('link', { name: 'Qualifications', exact: true }).click();
    await page.getByRole('link', { name: 'New qualification' }).click();
    await page.locator('input[name="companyName"]').fill('Typo Ltd');
    await page.locator('input[name="creditCode"]').fill('91350100M000100Y44');
    await page.locator('input[name="legalRepresentative"]').fill('Zhang San');
    await page.locator('input[name="licenceIndefinite"]').check();
    await page.locator('input[name="contactName"]').fill('Li Si');
    await page.locator('input[name="contactMobile"]').fill('13800138000');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    const error = page.locator('.field-invalid', { has: page.locator('input[name="creditCode"]') }).locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/check character/i);
    expect(new URL(page.url()).pathname).toBe('/qualifications/new');
    await screenshot(page, '10-tenant-field-error');

    // Q4: a file that is not what it claims is refused under its own document input.
    await page.locator('input[name="creditCode"]').fill('91350100M000100Y43');
    await page
      .locator('input[name="document-SECURITY_SERVICE_AGREEMENT"]')
      .setInputFiles({ name: 'agreement.pdf', mimeType: 'application/pdf', buffer: Buffer.from('just text, not a PDF') });
    await page.getByRole('button', { name: 'Submit for review' }).click();
    const docError = page.locator('.doc-input.field-invalid', { has: page.locator('input[name="document-SECURITY_SERVICE_AGREEMENT"]') });
    await docError.locator('.field-error').waitFor();
    expect(await docError.locator('.field-error').textContent()).toMatch(/agreement\.pdf/);
    expect(await page.locator('.field-invalid', { has: page.locator('input[name="creditCode"]') }).count()).toBe(0);
    await screenshot(page, '10b-tenant-document-error');
    await context.close();
  }, 60_000);

  it('a bad key is refused on the login page with a clear message', async () => {
    const { page, context } = await openUser(browser, t.url);
    await signIn(page, 'cp_000000000000_not-a-real-key');
    const error = page.locator('[data-testid="login-error"]');
    await error.waitFor();
    expect(await error.textContent()).toContain('This key is unknown, revoked or expired');
    expect(new URL(page.url()).pathname).toBe('/login');
    await screenshot(page, '11-login-bad-key');
    await context.close();
  }, 60_000);

  it('Q1: a rejection asks for a reason, the tenant sees it live and resubmits for a new review', async () => {
    const gamma = await t.tenant('Gamma');
    await submitByApi(gamma.keys.admin, 'Gamma Blurry Scan Ltd');
    const tenant = await openUser(browser, t.url);
    const a = tenant.page;
    await signIn(a, gamma.keys.admin);
    await a.locator('nav').getByRole('link', { name: 'Qualifications', exact: true }).click();
    const mine = row(a, 'qualification-list', 'Gamma Blurry Scan Ltd');
    await mine.locator('.badge', { hasText: 'Pending review' }).waitFor();

    const operator = await openUser(browser, t.url);
    const b = operator.page;
    await signIn(b, t.operatorKey);
    await b.locator('nav').getByRole('link', { name: 'Qualifications', exact: true }).click();
    await row(b, 'review-queue', 'Gamma Blurry Scan Ltd').getByRole('button', { name: 'Reject' }).click();
    const dialog = b.getByRole('dialog');
    await dialog.locator('textarea[name="reason"]').fill('The business licence scan is unreadable');
    await screenshot(b, '12-operator-reject-dialog');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await dialog.waitFor({ state: 'detached' });

    await mine.locator('.badge', { hasText: 'Rejected' }).waitFor();
    await mine.getByText('The business licence scan is unreadable').waitFor();
    await mine.getByRole('link', { name: 'Resubmit' }).click();
    await a.getByText('Rejected: “The business licence scan is unreadable”').waitFor();
    expect(await a.locator('input[name="companyName"]').inputValue()).toBe('Gamma Blurry Scan Ltd');
    await a.locator('input[name="document-BUSINESS_ACCEPTANCE_FORM"]').setInputFiles({ name: 'acceptance.pdf', mimeType: 'application/pdf', buffer: PDF });
    await screenshot(a, '13-tenant-resubmit');
    await a.getByRole('button', { name: 'Submit for review' }).click();
    await mine.locator('.badge', { hasText: 'Pending review' }).waitFor();
    await row(b, 'review-queue', 'Gamma Blurry Scan Ltd').waitFor();
    expect(tenant.pageErrors).toEqual([]);
    expect(operator.pageErrors).toEqual([]);
    await tenant.context.close();
    await operator.context.close();
  }, 90_000);

  it('RT3: after a dropped connection the live feed resumes from its last cursor and misses nothing', async () => {
    const beta = await t.tenant('Beta');
    const submit = (companyName: string) => submitByApi(beta.keys.admin, companyName);
    const { page, context } = await openUser(browser, t.url);
    const sockets = await controlSockets(context);
    await signIn(page, beta.keys.supervisor);
    const indicator = page.locator('[data-testid="live-indicator"]');
    await indicator.filter({ hasText: 'Live' }).waitFor();
    const rows = page.locator('[data-testid="event-feed"] tbody tr');

    await submit('Before Drop Ltd');
    await rows.first().waitFor();

    await sockets.drop(page);
    await indicator.filter({ hasText: /Offline|Reconnecting/ }).waitFor();
    await submit('During Gap Ltd');
    await screenshot(page, '14-feed-offline');
    await sockets.restore(page);

    await indicator.filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="event-feed"] tbody tr').length >= 2);
    await submit('After Reconnect Ltd');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="event-feed"] tbody tr').length >= 3);
    // one more live event: a repeat of the replayed ones would have come before it
    await submit('Last Ltd');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="event-feed"] tbody tr').length >= 4);
    expect(await rows.count()).toBe(4); // nothing missed, nothing twice
    await screenshot(page, '15-feed-resumed');
    await context.close();
  }, 90_000);
});
