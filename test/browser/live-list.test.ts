import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Request } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, openUser, signIn } from '../support/browser.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { insertQualification } from '../support/qualifications.js';

let t: TestApp;
let acme: TenantFixture;
let browser: Browser;
let order: { id: string; orderNo: string };

beforeAll(async () => {
  t = await startTestApp({ dashboard: true });
  acme = await t.tenant('Acme');
  const qualificationId = await insertQualification(t.app.systemContext().db, t.clock, acme.tenantId, 'STANDARD');
  ok(
    await t.gql(`mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created } }`, {
      rows: [{ number: '010-8888 0101', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' }],
    }),
  );
  const stock = ok(await t.gql(`{ availableNumbers(type: LOCAL, first: 1) { edges { node { id } } } }`, {}, acme.keys.admin));
  const bought = ok(
    await t.gql(`mutation($n: ID!, $q: ID!) { purchaseNumber(numberId: $n, qualificationId: $q, callType: INBOUND_ONLY) { order { id orderNo } } }`, {
      n: stock.availableNumbers.edges[0].node.id,
      q: gid('Qualification', qualificationId),
    }, acme.keys.admin),
  );
  order = bought.purchaseNumber.order;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The operation a GraphQL request carries (urql sends queries as GET, mutations as POST). */
function operationOf(request: Request): string | undefined {
  const query = new URL(request.url()).searchParams.get('query') ?? request.postData() ?? '';
  return /(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1];
}

describe('live lists (RT3 in the dashboard)', () => {
  it('a change made between reading the stream position and the list is shown: the position is read first', async () => {
    const { context, page, pageErrors } = await openUser(browser, t.url);
    const sent: string[] = [];
    let cursorAnswered = false;
    page.on('request', (r) => {
      if (operationOf(r) === 'Orders') sent.push(cursorAnswered ? 'orders after the position' : 'orders before the position');
    });
    page.on('response', async (r) => {
      if (operationOf(r.request()) === 'EventCursor') cursorAnswered = true;
    });
    // The list is read as it was; the order is cancelled right after, before the page has it
    // (once: a later read of the list, e.g. after a reconnect, passes through unchanged).
    let cancelled = false;
    await page.route((url) => url.pathname === '/graphql', async (route) => {
      if (operationOf(route.request()) !== 'Orders' || cancelled) return route.continue();
      cancelled = true;
      const asRead = await route.fetch();
      ok(await t.gql(`mutation($o: ID!) { cancelOrder(orderId: $o) { status } }`, { o: order.id }, acme.keys.admin));
      await route.fulfill({ response: asRead });
    });
    await signIn(page, acme.keys.admin);
    // signed in only once the login page has gone: going to /orders before that lands on the login page again
    await page.waitForURL((url) => url.pathname !== '/login');
    await page.goto('/orders');
    const row = page.locator(`tr[data-order="${order.orderNo}"]`);
    await row.locator('[data-status="CANCELLED"]').waitFor();
    expect(sent[0]).toBe('orders after the position');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
