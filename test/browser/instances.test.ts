import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { activeNumber } from '@callplane/schema/testing';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, screenshot, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;

/** Runs the jobs that are due on the manual clock (the provisioning job after `seconds`). */
const advanceClock = async (seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds }));

/** The admin agent the provisioning job makes of the creating user (I2). */
const ADMIN_AGENT = 'Acme tenant_admin';

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  await activeNumber({ db: t.app.systemContext().db, clock: t.clock }, acme.tenantId);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Every Content-Security-Policy complaint of the page (vue-flow's inline styles must be allowed). */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) found.push(m.text());
  });
  return found;
}

const tile = (page: Page, block: string, metric: string, value: string) =>
  page.locator(`[data-testid="${block}"] [data-metric="${metric}"] .tile-value`, { hasText: new RegExp(`^${value}$`) });

const agentRow = (page: Page, name: string): Locator => page.locator(`[data-testid="agent-board"] tr[data-agent="${name}"]`);

async function createInstance(a: Page) {
  await a.locator('nav').getByRole('link', { name: 'Instances', exact: true }).click();
  await a.getByText('No instances yet.').waitFor();
  const form = a.locator('[data-testid="instance-create"]');
  await form.locator('input[name="name"]').fill('Acme Support');
  await form.locator('input[name="accessSlug"]').fill('Acme Support');
  await form.locator('input[name="description"]').fill('Hotline for orders');
  await form.locator('select[name="numberId"]').selectOption({ index: 1 });
  await form.getByRole('button', { name: 'Create instance' }).click();
  // The API names the field: the error sits under the slug input.
  await form.locator('.field-invalid', { has: a.locator('input[name="accessSlug"]') }).locator('.field-error', { hasText: 'lower-case letters' }).waitFor();
  await screenshot(a, 'i01-create-slug-error');
  await form.locator('input[name="accessSlug"]').fill('acme-support');
  await form.getByRole('button', { name: 'Create instance' }).click();
}

describe('dashboard: call-center instances in the browser (I1–I4)', () => {
  it('I1, I3: a tenant admin creates an instance that reaches RUNNING on screen; a status set in a second context moves the board and the tiles live; a dangling edge is shown on its node', async () => {
    const admin = await openUser(browser, t.url);
    const a = admin.page;
    const violations = cspViolations(a);
    await signIn(a, acme.keys.admin);
    await a.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await createInstance(a);

    const row = a.locator('[data-testid="instance-list"] tr[data-instance="Acme Support"]');
    await row.locator('td[data-column="status"] .badge', { hasText: /^Creating$/ }).waitFor();
    await screenshot(a, 'i02-instance-creating');
    // The provisioning job is due after 30 s of the manual clock; the row moves without a reload.
    await advanceClock(30);
    await row.locator('td[data-column="status"] .badge', { hasText: /^Running$/ }).waitFor();
    await screenshot(a, 'i03-instance-running-live');

    // The detail: the admin agent OFFLINE, the Default group, the Welcome flow bound to the number.
    await row.getByRole('link', { name: 'Acme Support' }).click();
    const mine = agentRow(a, ADMIN_AGENT);
    await mine.locator('[data-column="agent-status"] .badge', { hasText: /^Offline$/ }).waitFor();
    await tile(a, 'tiles-instance', 'agentsOnline', '0').waitFor();
    await tile(a, 'tiles-group-Default', 'agentsOnline', '0').waitFor();
    await a.locator('[data-testid="instance-flows"] tr[data-flow="Welcome"]').waitFor();
    await a.locator('[data-testid="instance-numbers"] tr', { hasText: 'Welcome' }).waitFor();

    // A second context (the user linked to the admin agent) sets the agent's status.
    const other = await openUser(browser, t.url);
    const b = other.page;
    await signIn(b, acme.keys.admin);
    await b.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    await b.goto(a.url());
    const theirs = agentRow(b, ADMIN_AGENT);
    await theirs.getByLabel(`Status of ${ADMIN_AGENT}`).selectOption('READY');
    await theirs.getByRole('button', { name: 'Set' }).click();

    await mine.locator('[data-column="agent-status"] .badge', { hasText: /^Ready$/ }).waitFor();
    await tile(a, 'tiles-instance', 'agentsOnline', '1').waitFor();
    await tile(a, 'tiles-instance', 'agentsAvailable', '1').waitFor();
    await tile(a, 'tiles-group-Default', 'agentsAvailable', '1').waitFor();
    await screenshot(a, 'i04-board-ready-live');

    await theirs.getByLabel(`Status of ${ADMIN_AGENT}`).selectOption('BREAK');
    await theirs.getByLabel(`Break reason of ${ADMIN_AGENT}`).fill('Lunch');
    await theirs.getByRole('button', { name: 'Set' }).click();
    await mine.locator('[data-column="agent-status"] .badge', { hasText: /^Break$/ }).waitFor();
    await mine.getByText('Lunch').waitFor();
    await tile(a, 'tiles-instance', 'agentsAvailable', '0').waitFor();
    await tile(a, 'tiles-instance', 'agentsOnline', '1').waitFor();
    // Time in status ticks in the page, from the moment the change arrived.
    await mine.locator('[data-column="time-in-status"]', { hasText: /^0:(0[1-9]|[1-5]\d)$/ }).waitFor();
    await screenshot(a, 'i05-board-break-live');
    await other.context.close();

    // The Welcome flow, drawn; a dangling edge is refused and shown on its node.
    await a.locator('[data-testid="instance-flows"]').getByRole('link', { name: 'Welcome' }).click();
    const graph = a.locator('[data-testid="flow-graph"]');
    for (const id of ['start', 'greeting', 'queue', 'voicemail']) await graph.locator(`[data-node-id="${id}"]`).waitFor();
    await a.locator('[data-testid="flow-numbers"] li').first().waitFor();
    const definition = a.locator('textarea[name="definition"]');
    const welcome = JSON.parse(await definition.inputValue()) as { nodes: { id: string; next?: string }[] };
    welcome.nodes.find((n) => n.id === 'greeting')!.next = 'menu';
    await definition.fill(JSON.stringify(welcome, null, 2));
    // The drawing follows the text: the edge ends at a node that does not exist.
    await graph.locator('[data-missing="menu"]').waitFor();
    await a.getByRole('button', { name: 'Save as new version' }).click();
    const greeting = graph.locator('[data-node-id="greeting"]');
    await greeting.locator('.ivr-node-problems li').first().waitFor();
    expect(await greeting.getAttribute('class')).toContain('ivr-node-invalid');
    await a.locator('[data-testid="flow-problems"] li[data-problem-node="greeting"]').waitFor();
    await screenshot(a, 'i06-flow-dangling-edge');

    // Fixed, saved as version 2 and published.
    welcome.nodes.find((n) => n.id === 'greeting')!.next = 'queue';
    (welcome.nodes.find((n) => n.id === 'greeting') as { text?: string }).text = 'Welcome to Acme. Please hold.';
    await definition.fill(JSON.stringify(welcome, null, 2));
    await a.getByRole('button', { name: 'Save as new version' }).click();
    await a.getByText('Saved as version 2.').waitFor();
    expect(await graph.locator('.ivr-node-invalid').count()).toBe(0);
    await a.getByRole('button', { name: 'Publish v2' }).click();
    await a.locator('[data-testid="flow-published"]', { hasText: /^v2 published/ }).waitFor();
    await screenshot(a, 'i07-flow-published');

    expect(violations).toEqual([]);
    expect(admin.pageErrors).toEqual([]);
    expect(other.pageErrors).toEqual([]);
    await admin.context.close();
  }, 120_000);

  it('I1, I4: the description is edited in place; deleting takes the name typed back, then the instance leaves the list', async () => {
    const { context, page: a, pageErrors } = await openUser(browser, t.url);
    await signIn(a, acme.keys.admin);
    await a.locator('nav').getByRole('link', { name: 'Instances', exact: true }).click();
    await a.locator('[data-testid="instance-list"]').getByRole('link', { name: 'Acme Support' }).click();

    await a.locator('[data-testid="instance-description"]').getByRole('button', { name: 'Edit' }).click();
    await a.locator('[data-testid="instance-facts"] input[name="description"]').fill('Orders and returns');
    await a.locator('[data-testid="instance-facts"]').getByRole('button', { name: 'Save' }).click();
    await a.locator('[data-testid="instance-description"]', { hasText: 'Orders and returns' }).waitFor();

    const card = a.locator('[data-testid="instance-delete"]');
    const button = card.getByRole('button', { name: 'Delete instance' });
    await card.locator('input[name="confirmName"]').fill('Acme support');
    expect(await button.isDisabled()).toBe(true);
    await card.locator('input[name="confirmName"]').fill('Acme Support');
    await screenshot(a, 'i08-delete-confirm');
    await button.click();
    await a.waitForURL('**/instances');
    await a.locator('[data-testid="instance-list"]').getByText('No instances yet.').waitFor();
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
