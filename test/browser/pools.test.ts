import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { apiNumbers } from '../support/privacy-fixtures.js';

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;
let rides: string;

const Q = {
  createApp: `mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } } }`,
  move: `mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`,
  bind: `mutation($app: ID!, $input: BindInput!) { bind(appId: $app, input: $input) { id x } }`,
  unbind: `mutation($app: ID!, $id: ID!) { unbind(appId: $app, bindingId: $id) { id } }`,
  user: `mutation($n: String!, $e: String!) { createUser(name: $n, email: $e, role: PARTNER) { id } }`,
  key: `mutation($u: ID!, $app: ID, $label: String) { createApiKey(userId: $u, appId: $app, label: $label) { key { prefix } } }`,
};

/** A GraphQL call over HTTP to the running server, as the switch or a script would make it. */
async function http<T = any>(query: string, variables: Record<string, unknown>, key: string): Promise<T> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return ok((await res.json()) as GqlResult<T>);
}

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  const shanghai = await apiNumbers(t, acme, ['021 5561 0001', '021 5561 0002']);
  const beijing = await apiNumbers(t, acme, ['010 5561 0003'], '北京');
  rides = ok(await t.gql(Q.createApp, { input: { name: 'Acme rides', mode: 'AXB' } }, acme.keys.admin)).createPrivacyApp.app.id;
  ok(await t.gql(Q.move, { app: rides, ids: [...shanghai, ...beijing] }, acme.keys.admin));
  const partner = ok(await t.gql(Q.user, { n: 'Acme switch', e: 'switch@acme.example' }, acme.keys.admin)).createUser.id;
  ok(await t.gql(Q.key, { u: partner, app: rides, label: 'Switch' }, acme.keys.admin));
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const city = (page: Page, app: string, name: string) => page.locator(`[data-testid="pool-chart"] [data-app="${app}"] [data-city="${name}"]`);
/** The city's bar once it shows exactly these counts. */
const usage = (page: Page, app: string, name: string, bound: number, total: number) =>
  page.locator(`[data-testid="pool-chart"] [data-app="${app}"] [data-city="${name}"][data-bound="${bound}"][data-total="${total}"][data-free="${total - bound}"]`);

async function openPools(page: Page, key: string) {
  await signIn(page, key);
  await page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
  await page.locator('nav').getByRole('link', { name: 'Number pools', exact: true }).click();
}

describe('dashboard: number pools in the browser (P1, P4, P5, P9)', () => {
  it('P1, P4: bindings made and ended through the API move the pool chart, the quota list and the last hour live, without a reload', async () => {
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await openPools(a, acme.keys.admin);
    await usage(a, 'Acme rides', '上海', 0, 2).waitFor();
    await usage(a, 'Acme rides', '北京', 0, 1).waitFor();
    await a.locator('[data-testid="pool-quota"]').getByText('No X number has a binding.').waitFor();
    await a.locator('[data-testid="created-last-hour"]', { hasText: /^ *0 created$/ }).waitFor();
    // Marks this document: a reload would lose it.
    await a.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await screenshot(a, 'p01-pools-empty');

    const first = (await http(Q.bind, { app: rides, input: { a: '13800000001', b: '13800000002', city: '上海', userData: 'order 1' } }, acme.keys.admin)).bind;
    await usage(a, 'Acme rides', '上海', 1, 2).waitFor();
    const quotaRow = a.locator(`[data-testid="pool-quota"] tr[data-x="${first.x}"]`);
    await quotaRow.locator('[data-column="bound"]', { hasText: '1 / 5000' }).waitFor();
    await quotaRow.locator('[data-column="remaining"]', { hasText: /^4999$/ }).waitFor();
    await a.locator('[data-testid="created-last-hour"]', { hasText: /^ *1 created$/ }).waitFor();

    const second = (await http(Q.bind, { app: rides, input: { a: '13800000003', b: '13800000004', city: '北京', durationSeconds: 60 } }, acme.keys.admin)).bind;
    await usage(a, 'Acme rides', '北京', 1, 1).waitFor();
    await a.locator('[data-testid="created-last-hour"]', { hasText: /^ *2 created$/ }).waitFor();
    await screenshot(a, 'p02-pools-bound-live');

    await http(Q.unbind, { app: rides, id: first.id }, acme.keys.admin);
    await usage(a, 'Acme rides', '上海', 0, 2).waitFor();
    await quotaRow.waitFor({ state: 'detached' });

    // P5: the 60 s binding expires on the manual clock; the clean-up job frees its X and counts as expired.
    ok(await t.gql(`mutation { advanceClock(seconds: 61) }`));
    await usage(a, 'Acme rides', '北京', 0, 1).waitFor();
    await a.locator('[data-testid="expired-last-hour"]', { hasText: /^ *1 expired$/ }).waitFor();
    await a.locator(`[data-testid="pool-quota"] tr[data-x="${second.x}"]`).waitFor({ state: 'detached' });
    await screenshot(a, 'p03-pools-unbound-expired-live');

    expect(await a.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('P9, P5: a tenant admin finds a binding by number, sees its details with the expiry counting down, and unbinds it; the chart follows', async () => {
    const bound = (await http(Q.bind, { app: rides, input: { a: '13900000011', b: '13900000012', city: '上海', userData: 'ride 42', record: true } }, acme.keys.admin)).bind;
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await openPools(a, acme.keys.admin);
    await usage(a, 'Acme rides', '上海', 1, 2).waitFor();

    await a.locator('nav').getByRole('link', { name: 'Bindings', exact: true }).click();
    await a.locator('input[name="number"]').fill('139 0000 0012');
    await a.getByRole('button', { name: 'Search' }).click();
    const row = a.locator(`[data-testid="binding-list"] tr[data-binding="${bound.id}"]`);
    await row.click();
    expect(await a.locator('[data-testid="binding-list"] tr.binding-row').count()).toBe(1);
    const details = a.locator('[data-testid="binding-details"]');
    await details.locator('[data-fact="userData"]', { hasText: 'ride 42' }).waitFor();
    await details.locator('[data-fact="x"]', { hasText: bound.x }).waitFor();
    // Default duration 2 hours: the countdown shows the time left on the server clock and ticks.
    const countdown = details.locator('[data-testid="expiry-countdown"]');
    await countdown.filter({ hasText: /^1:59:\d\d$/ }).waitFor();
    const before = await countdown.textContent();
    await countdown.filter({ hasNotText: before! }).waitFor();
    await screenshot(a, 'p04-binding-details');

    await details.getByRole('button', { name: 'Unbind' }).click();
    await row.locator('[data-column="status"] .badge', { hasText: /^Unbound$/ }).waitFor();
    await details.getByRole('button', { name: 'Unbind' }).waitFor({ state: 'detached' });
    await a.locator('nav').getByRole('link', { name: 'Number pools', exact: true }).click();
    await usage(a, 'Acme rides', '上海', 0, 2).waitFor();
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 90_000);

  it('P1: a SUPERVISOR sees pools, bindings and apps read-only, and the chart still moves live', async () => {
    const { context, page: s, pageErrors } = await openUser(browser, t.url);
    await openPools(s, acme.keys.supervisor);
    await usage(s, 'Acme rides', '上海', 0, 2).waitFor();
    const bound = (await http(Q.bind, { app: rides, input: { a: '13700000001', b: '13700000002', city: '上海' } }, acme.keys.admin)).bind;
    await usage(s, 'Acme rides', '上海', 1, 2).waitFor();

    await s.locator('nav').getByRole('link', { name: 'Bindings', exact: true }).click();
    await s.locator(`[data-testid="binding-list"] tr[data-binding="${bound.id}"]`).click();
    await s.locator('[data-testid="binding-details"] [data-fact="a"]', { hasText: '+8613700000001' }).waitFor();
    expect(await s.getByRole('button', { name: 'Unbind' }).count()).toBe(0);

    await s.locator('nav').getByRole('link', { name: 'Privacy apps', exact: true }).click();
    await s.locator('[data-testid="privacy-app-list"] tr[data-app="Acme rides"]').waitFor();
    expect(await s.getByRole('button', { name: 'Rotate secret' }).count()).toBe(0);
    expect(await s.locator('[data-testid="privacy-app-create"]').count()).toBe(0);
    expect(await s.locator('[data-testid="pool-move"]').count()).toBe(0);
    expect(await s.locator('[data-testid="privacy-app-list"] [data-column="keys"]').count()).toBe(0);
    await screenshot(s, 'p05-supervisor-read-only');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 90_000);

  it('P1, P6: a tenant admin creates an AXE app (the error at the field first), sees the secret once, rotates it, sees PARTNER keys and fills the pool', async () => {
    const extra = await apiNumbers(t, acme, ['021 5561 0009']);
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await signIn(a, acme.keys.admin);
    await a.locator('nav').getByRole('link', { name: 'Privacy apps', exact: true }).click();
    const rides = a.locator('[data-testid="privacy-app-list"] tr[data-app="Acme rides"]');
    await rides.locator('[data-column="keys"] [data-key]', { hasText: 'Switch' }).waitFor();

    const form = a.locator('[data-testid="privacy-app-create"]');
    await form.locator('input[name="name"]').fill('Acme shop');
    await form.locator('select[name="mode"]').selectOption('AXE');
    await form.locator('input[name="extensionLength"]').fill('5');
    await form.locator('input[name="cdrUrl"]').fill('https://hooks.acme.example/cdr');
    await form.getByRole('button', { name: 'Create app' }).click();
    await form.locator('.field-invalid', { has: a.locator('input[name="extensionLength"]') }).locator('.field-error', { hasText: '1 to 4 digits' }).waitFor();
    await screenshot(a, 'p06-app-create-error');
    await form.locator('input[name="extensionLength"]').fill('2');
    await form.getByRole('button', { name: 'Create app' }).click();
    const secret = a.locator('[data-testid="app-secret-value"]');
    await secret.filter({ hasText: /^whsec_/ }).waitFor();
    const shop = a.locator('[data-testid="privacy-app-list"] tr[data-app="Acme shop"]');
    await shop.getByText('2-digit extensions').waitFor();
    const firstSecret = await secret.textContent();

    await shop.getByRole('button', { name: 'Rotate secret' }).click();
    await secret.filter({ hasNotText: firstSecret! }).filter({ hasText: /^whsec_/ }).waitFor();
    await a.locator('[data-testid="app-secret"]', { hasText: 'The previous secret stays valid until' }).waitFor();
    await shop.locator('[data-column="secret"]', { hasText: 'Previous valid until' }).waitFor();
    await a.getByRole('button', { name: 'Done' }).click();
    expect(await secret.count()).toBe(0);

    const move = a.locator('[data-testid="pool-move"]');
    await move.locator('select[name="appId"]').selectOption({ label: 'Acme shop (AXE)' });
    await move.locator(`input[name="numberIds"][value="${extra[0]}"]`).check();
    await move.getByRole('button', { name: 'Move to pool' }).click();
    await move.getByText('1 number joined the pool.').waitFor();
    await shop.locator('[data-column="pool"]', { hasText: '1 number in 上海' }).waitFor();
    await screenshot(a, 'p07-apps');
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 90_000);
});
