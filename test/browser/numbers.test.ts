import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { runningInstanceOn } from '../support/instances.js';
import { insertQualification } from '../support/qualifications.js';

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');

/** Runs the jobs that are due on the manual clock (the allocation, or activation after `seconds`). */
const advanceClock = async (seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds }));

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  const system = t.app.systemContext();
  await insertQualification(system.db, t.clock, acme.tenantId, 'STANDARD');
  ok(
    await t.gql(`mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created } }`, {
      rows: [
        { number: '010-8888 0001', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
        { number: '010-8888 0002', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
        { number: '021-6666 0001', type: 'LOCAL', province: '上海', city: '上海', carrier: 'CHINA_UNICOM' },
        { number: '400-820-0001', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'GOLD' },
      ],
    }),
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** An application filed through the API, for tests about what happens after it. */
async function applyByApi(province: string, city: string): Promise<{ id: string; ticketNo: string }> {
  const qualifications = ok(await t.gql(`{ qualifications(kind: STANDARD, status: APPROVED) { edges { node { id } } } }`, {}, acme.keys.admin));
  const input = {
    purpose: 'NON_MARKETING',
    scenarios: [{ scenario: 'Support line', script: 'Hello, Acme support …' }],
    type: 'MOBILE',
    province,
    city,
    contactName: 'Li Si',
    contactMobile: '13800138000',
    contactEmail: 'li.si@acme.example',
    qualificationId: qualifications.qualifications.edges[0].node.id,
  };
  return ok(await t.gql(`mutation($i: NumberApplicationInput!) { applyForNumbers(input: $i) { id ticketNo } }`, { i: input }, acme.keys.admin)).applyForNumbers;
}

const badge = (row: Locator, column: 'status' | 'number-status', text: string) =>
  row.locator(`td[data-column="${column}"] .badge`, { hasText: new RegExp(`^${text}$`) });

async function both(row: Locator, status: string, numberStatus: string) {
  await badge(row, 'status', status).waitFor();
  await badge(row, 'number-status', numberStatus).waitFor();
}

async function fileApplication(a: Page) {
  await a.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
  await a.getByText('No applications yet.').waitFor();
  await a.getByRole('link', { name: 'New application' }).click();
  await a.locator('select[name="purpose"]').selectOption('MARKETING');
  await a.locator('input[name="quantity"]').fill('2');
  await a.locator('input[name="province"]').fill('北京');
  await a.locator('input[name="city"]').fill('北京');
  await a.getByText('2 in stock here').waitFor();
  await a.locator('select[name="qualificationId"]').selectOption({ label: 'Test Co (Standard)' });
  await a.locator('input[name="scenario-0"]').fill('Order follow-up');
  await a.locator('textarea[name="script-0"]').fill('Hello, this is Acme about your order …');
  await a.getByRole('button', { name: 'Add a scenario' }).click();
  await a.locator('input[name="scenario-1"]').fill('Renewal reminder');
  await a.locator('textarea[name="script-1"]').fill('Your plan renews next week; reply STOP to opt out.');
  await a.locator('input[name="contactName"]').fill('Li Si');
  await a.locator('input[name="contactMobile"]').fill('555');
  await a.locator('input[name="contactEmail"]').fill('li.si@acme.example');
  await a.getByRole('button', { name: 'Submit application' }).click();
  // The API names the field (extensions.field): the error sits under the mobile input.
  const mobileError = a.locator('.field-invalid', { has: a.locator('input[name="contactMobile"]') }).locator('.field-error');
  await mobileError.waitFor();
  await screenshot(a, 'n01-tenant-application-field-error');
  await a.locator('input[name="contactMobile"]').fill('138 0013 8000');
  await a.getByRole('button', { name: 'Submit application' }).click();
  await a.waitForURL('**/applications');
}

describe('dashboard: numbers, applications and orders in the browser (N1–N8, M1)', () => {
  it('N3: a tenant applies; an OPERATOR approves; both status columns move live; after a top-up the tenant pays and sees COMPLETED / ACTIVE', async () => {
    const tenant = await openUser(browser, t.url);
    const a = tenant.page;
    await signIn(a, acme.keys.admin);
    await a.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await fileApplication(a);
    const mine = a.locator('[data-testid="application-list"] tbody tr[data-ticket]').first();
    await both(mine, 'Pending review', 'Pending review');
    const ticket = (await mine.getAttribute('data-ticket'))!;
    expect(ticket).toMatch(/^AP\d{14}$/);
    await screenshot(a, 'n02-tenant-application-pending');

    const operator = await openUser(browser, t.url);
    const b = operator.page;
    await signIn(b, t.operatorKey);
    await b.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    const queued = b.locator(`[data-testid="application-review-queue"] tr[data-ticket="${ticket}"]`);
    await queued.waitFor();
    await screenshot(b, 'n03-operator-review-queue');
    await queued.getByRole('button', { name: 'Approve' }).click();
    await b.locator('[data-testid="application-review-queue"]').getByText('The queue is empty').waitFor();

    // Context A is not reloaded: the subscription moves the row. The allocation is a job.
    await badge(mine, 'status', 'Approved').or(badge(mine, 'status', 'Pending payment')).waitFor();
    await advanceClock(0);
    await both(mine, 'Pending payment', 'Delivered');
    await screenshot(a, 'n04-tenant-delivered-live');

    // No balance yet: the typed error is shown on the row, nothing changes.
    await mine.getByRole('button', { name: /^Pay / }).click();
    const payError = mine.locator('.form-error');
    await payError.waitFor();
    expect(await payError.textContent()).toMatch(/Insufficient balance: the balance is 0\.000 CNY; 100\.000 CNY is needed/);
    await screenshot(a, 'n05-tenant-insufficient-balance');

    // The OPERATOR tops the tenant up on the orders page.
    await b.locator('nav').getByRole('link', { name: 'Orders', exact: true }).click();
    await b.locator('select[name="tenantId"]').selectOption({ label: 'Acme' });
    await b.locator('input[name="amount"]').fill('1000');
    await b.locator('input[name="note"]').fill('bank transfer');
    await b.getByRole('button', { name: 'Top up' }).click();
    await b.locator('[data-testid="balance-amount"]', { hasText: '1,000.00 CNY' }).waitFor();
    await b.locator('[data-testid="balance"] td', { hasText: 'bank transfer' }).waitFor();
    await screenshot(b, 'n06-operator-top-up');

    await mine.getByRole('button', { name: /^Pay / }).click();
    await both(mine, 'Pending payment', 'Taking effect');
    await advanceClock(60);
    await both(mine, 'Completed', 'Active');
    await mine.getByRole('button', { name: 'Details' }).click();
    await a.locator('.detail-row').getByText('+861088880001').waitFor();
    await screenshot(a, 'n07-tenant-completed-live');

    // The numbers page lists both delivered numbers as ACTIVE; the stock chart shows what is left.
    await a.locator('nav').getByRole('link', { name: 'Numbers', exact: true }).click();
    await a.locator('[data-testid="stock-chart"] [data-region="上海/上海"]').waitFor();
    const number = a.locator('[data-testid="my-numbers"] tr[data-number="+861088880001"]');
    await number.locator('.badge', { hasText: 'Active' }).waitFor();
    expect(await a.locator('[data-testid="my-numbers"] tbody tr').count()).toBe(2);
    await screenshot(a, 'n08-tenant-numbers');

    // The ledger shows the top-up and the payment.
    await a.locator('nav').getByRole('link', { name: 'Orders', exact: true }).click();
    await a.locator('[data-testid="balance-amount"]', { hasText: '900.00 CNY' }).waitFor();
    await a.locator('[data-testid="order-list"] .badge', { hasText: 'Paid' }).waitFor();
    await screenshot(a, 'n09-tenant-orders-balance');

    expect(tenant.pageErrors).toEqual([]);
    expect(operator.pageErrors).toEqual([]);
    await tenant.context.close();
    await operator.context.close();
  }, 120_000);

  it('N6: a 400 application takes the handler materials in a dialog; the OPERATOR approves application and materials; it completes', async () => {
    await insertQualification(t.app.systemContext().db, t.clock, acme.tenantId, 'TOLL_FREE_400');
    ok(await t.gql(`mutation { saveHandler(name: "Wang Wu", idNumber: "11010519491231002X", mobile: "13900139000", email: "wang.wu@acme.example") { id } }`, {}, acme.keys.admin));
    ok(await t.gql(`mutation($t: ID!) { topUpBalance(tenantId: $t, amount: "10000") { amount } }`, { t: gid('Tenant', acme.tenantId) }));
    const tenant = await openUser(browser, t.url);
    const a = tenant.page;
    await signIn(a, acme.keys.admin);
    await a.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    await a.getByRole('link', { name: 'New application' }).click();
    await a.locator('select[name="type"]').selectOption('TOLL_FREE_400');
    await a.locator('select[name="tier"]').selectOption('GOLD');
    await a.locator('input[name="province"]').fill('北京');
    await a.locator('input[name="city"]').fill('北京');
    await a.locator('select[name="qualificationId"]').selectOption({ label: 'Test Co (Toll free 400)' });
    await a.locator('input[name="scenario-0"]').fill('Customer hotline');
    await a.locator('textarea[name="script-0"]').fill('Welcome to Acme, press 1 for sales …');
    await a.locator('input[name="contactName"]').fill('Li Si');
    await a.locator('input[name="contactMobile"]').fill('13800138000');
    await a.locator('input[name="contactEmail"]').fill('li.si@acme.example');
    await a.getByRole('button', { name: 'Submit application' }).click();
    await a.waitForURL('**/applications');
    const mine = a.locator('[data-testid="application-list"] tbody tr[data-ticket]', { hasText: '× 400' });
    await mine.getByText('materials: pending').waitFor();
    const ticket = (await mine.getAttribute('data-ticket'))!;

    await mine.getByRole('button', { name: 'Submit materials' }).click();
    const dialog = a.getByRole('dialog');
    await dialog.locator('input[name="handlerName"]').fill('Wang Wu');
    await a.waitForFunction(() => (document.querySelector('input[name="handlerIdNumber"]') as HTMLInputElement)?.value === '11010519491231002X');
    for (const type of ['AUTHORIZATION_LETTER', 'BUSINESS_ACCEPTANCE_FORM', 'SECURITY_SERVICE_AGREEMENT', 'INFORMATION_SECURITY_COMMITMENT'])
      await dialog.locator(`input[name="document-${type}"]`).setInputFiles({ name: `${type.toLowerCase()}.pdf`, mimeType: 'application/pdf', buffer: PDF });
    await screenshot(a, 'n10-tenant-materials-dialog');
    await dialog.getByRole('button', { name: 'Submit materials' }).click();
    await dialog.waitFor({ state: 'detached' });
    await mine.getByText('materials: submitted').waitFor();

    const operator = await openUser(browser, t.url);
    const b = operator.page;
    await signIn(b, t.operatorKey);
    await b.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    const queued = b.locator(`[data-testid="application-review-queue"] tr[data-ticket="${ticket}"]`);
    await queued.getByRole('button', { name: 'Approve materials' }).waitFor();
    await queued.getByRole('button', { name: 'Details' }).click();
    await b.locator('[data-testid="application-review-queue"] .detail-row').getByText('authorization_letter.pdf').waitFor();
    await screenshot(b, 'n11-operator-materials-review');
    await queued.getByRole('button', { name: /^Approve$/ }).click();
    await queued.getByRole('button', { name: /^Approve$/ }).waitFor({ state: 'detached' });
    await queued.getByRole('button', { name: 'Approve materials' }).click();
    await b.locator('[data-testid="application-review-queue"]').getByText('The queue is empty').waitFor();

    await mine.getByText('materials: approved').waitFor();
    await advanceClock(0);
    await both(mine, 'Pending payment', 'Delivered');
    await mine.getByRole('button', { name: 'Pay 7,500.00 CNY' }).click();
    await both(mine, 'Pending payment', 'Taking effect');
    await advanceClock(60);
    await both(mine, 'Completed', 'Active');
    await screenshot(a, 'n12-tenant-400-completed');
    expect(tenant.pageErrors).toEqual([]);
    expect(operator.pageErrors).toEqual([]);
    await tenant.context.close();
    await operator.context.close();
  }, 120_000);

  it('N1, N2, N4, N7, N8: the tenant searches stock, buys a number for a running instance picked from a list, pays, toggles auto-renew, exports CSV and unsubscribes it with the batch status live', async () => {
    const { instance } = await runningInstanceOn(t, acme, { name: 'Shanghai desk' });
    const { page: a, context, pageErrors } = await openUser(browser, t.url);
    await signIn(a, acme.keys.admin);
    await a.locator('nav').getByRole('link', { name: 'Numbers', exact: true }).click();
    // N1: a region picked on the chart is searched; a bad pattern is refused under its field.
    await a.locator('input[name="pattern"]').fill('66a');
    await a.locator('[data-testid="stock-chart"] [data-region="上海/上海"]').click();
    await a.locator('.field-invalid', { has: a.locator('input[name="pattern"]') }).locator('.field-error').waitFor();
    await a.locator('input[name="pattern"]').fill('6**6');
    await a.getByRole('button', { name: 'Search' }).click();
    const hit = a.locator('[data-testid="search-results"] tr[data-number="+862166660001"]');
    await hit.waitFor();
    await screenshot(a, 'n13-tenant-search');
    await hit.getByRole('button', { name: 'Buy' }).click();
    const dialog = a.getByRole('dialog');
    await dialog.locator('select[name="qualificationId"]').selectOption({ label: 'Test Co (Standard)' });
    await dialog.locator('input[name="autoRenew"]').check();
    // I1: the instance is picked among the tenant's RUNNING instances (sent as its global id)
    const picker = dialog.locator('select[name="instanceId"]');
    await picker.locator('option', { hasText: 'Shanghai desk' }).waitFor({ state: 'attached' });
    await picker.selectOption({ label: `Shanghai desk (${instance.access_slug})` });
    await screenshot(a, 'n14-tenant-buy-dialog');
    await dialog.getByRole('button', { name: 'Buy' }).click();
    await a.locator('[data-testid="purchase-notice"]').waitFor();
    const row = a.locator('[data-testid="my-numbers"] tr[data-number="+862166660001"]');
    await row.locator('.badge', { hasText: 'Reserved' }).waitFor();
    const bought = await t.app.systemContext().db.selectFrom('numbers').select('instance_id').where('e164', '=', '+862166660001').executeTakeFirstOrThrow();
    expect(bought.instance_id).toBe(instance.id);

    await a.locator('[data-testid="purchase-notice"]').getByRole('link', { name: 'pay it on Orders' }).click();
    const order = a.locator('[data-testid="order-list"] tbody tr', { has: a.locator('.badge', { hasText: 'Unpaid' }) });
    await order.getByRole('button', { name: 'Pay' }).click();
    await order.waitFor({ state: 'detached' });
    const [ordersCsv] = await Promise.all([a.waitForEvent('download'), a.locator('[data-testid="order-list"]').getByRole('button', { name: 'Export CSV' }).click()]);
    expect(ordersCsv.suggestedFilename()).toBe('orders.csv');

    await a.locator('nav').getByRole('link', { name: 'Numbers', exact: true }).click();
    await row.locator('.badge', { hasText: 'Active' }).waitFor();
    // N4: auto-renew was chosen at purchase; turn it off.
    const toggle = row.locator('input[name="autoRenew-+862166660001"]');
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await row.getByText('Off').waitFor();
    // N8
    const [numbersCsv] = await Promise.all([a.waitForEvent('download'), a.locator('[data-testid="my-numbers"]').getByRole('button', { name: 'Export CSV' }).click()]);
    expect(numbersCsv.suggestedFilename()).toBe('numbers.csv');
    const csv = await (await numbersCsv.createReadStream()).toArray();
    expect(Buffer.concat(csv).toString()).toContain('+862166660001');

    // N7: the batch shows CHECKING, then its result once the job ran.
    await row.getByRole('checkbox', { name: 'Select +862166660001' }).check();
    await a.getByRole('button', { name: 'Unsubscribe selected' }).click();
    const batch = a.locator('[data-testid="unsubscribe-batches"] tbody tr').first();
    await batch.waitFor();
    await advanceClock(0);
    await batch.locator('.badge', { hasText: /^Completed$/ }).waitFor();
    await row.waitFor({ state: 'detached' });
    await screenshot(a, 'n15-tenant-unsubscribed');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 90_000);

  it('N3: an application for a region without stock waits; the OPERATOR retries the allocation once numbers arrive', async () => {
    const { id, ticketNo } = await applyByApi('浙江', '杭州');
    ok(await t.gql(`mutation($id: ID!) { reviewNumberApplication(id: $id, decision: APPROVE) { id } }`, { id }));
    await advanceClock(0);

    const { page: b, context, pageErrors } = await openUser(browser, t.url);
    await signIn(b, t.operatorKey);
    await b.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    const row = b.locator(`[data-testid="application-list"] tr[data-ticket="${ticketNo}"]`);
    await row.getByText(/no stock/).waitFor();
    await both(row, 'Approved', 'Approved');
    const imported = ok(await t.gql(`mutation { importNumbers(rows: [{ number: "139 5800 0001", type: "MOBILE", province: "浙江", city: "杭州", carrier: "CHINA_MOBILE" }]) { created errors { message } } }`));
    expect(imported.importNumbers).toEqual({ created: 1, errors: [] });
    await row.getByRole('button', { name: 'Retry allocation' }).click();
    await both(row, 'Pending payment', 'Delivered');
    await screenshot(b, 'n16-operator-retry-allocation');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it('N3: the OPERATOR rejects with a reason; the tenant sees REJECTED and the reason live', async () => {
    const { ticketNo } = await applyByApi('广东', '深圳');
    const tenant = await openUser(browser, t.url);
    await signIn(tenant.page, acme.keys.admin);
    await tenant.page.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    const mine = tenant.page.locator(`[data-testid="application-list"] tr[data-ticket="${ticketNo}"]`);
    await both(mine, 'Pending review', 'Pending review');

    const operator = await openUser(browser, t.url);
    const b = operator.page;
    await signIn(b, t.operatorKey);
    await b.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    await b.locator(`[data-testid="application-review-queue"] tr[data-ticket="${ticketNo}"]`).getByRole('button', { name: 'Reject' }).click();
    const dialog = b.getByRole('dialog');
    await dialog.locator('textarea[name="reason"]').fill('Marketing scripts need an opt-out sentence');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await dialog.waitFor({ state: 'detached' });

    await both(mine, 'Rejected', 'Rejected');
    await mine.getByText('Marketing scripts need an opt-out sentence').waitFor();
    await screenshot(tenant.page, 'n17-tenant-rejected-live');
    expect(tenant.pageErrors).toEqual([]);
    expect(operator.pageErrors).toEqual([]);
    await tenant.context.close();
    await operator.context.close();
  }, 60_000);

  it('a SUPERVISOR sees numbers, applications and orders read-only', async () => {
    const { page, context, pageErrors } = await openUser(browser, t.url);
    await signIn(page, acme.keys.supervisor);
    await page.locator('nav').getByRole('link', { name: 'Applications', exact: true }).click();
    await page.locator('[data-testid="application-list"] tr[data-ticket]').first().waitFor();
    expect(await page.getByRole('link', { name: 'New application' }).count()).toBe(0);
    await screenshot(page, 'n18-supervisor-applications');
    await page.locator('nav').getByRole('link', { name: 'Numbers', exact: true }).click();
    await page.locator('[data-testid="my-numbers"] tr[data-number]').first().waitFor();
    expect(await page.locator('[data-testid="my-numbers"] input[type="checkbox"]').count()).toBe(0);
    await page.locator('nav').getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator('[data-testid="order-list"] tr[data-order]').first().waitFor();
    expect(await page.getByRole('button', { name: 'Pay' }).count()).toBe(0);
    await screenshot(page, 'n19-supervisor-orders');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
