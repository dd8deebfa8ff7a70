import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { defaultDashboardDir } from '@callplane/server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/**
 * Debian's Chromium, driven by playwright-core (no browser download). A missing browser or an
 * unbuilt dashboard fails the run with what to do, rather than skipping the browser tests.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  if (!existsSync(`${defaultDashboardDir}/index.html`))
    throw new Error(`The dashboard is not built (${defaultDashboardDir} is missing): run \`pnpm build\` first.`);
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser context (its own sessionStorage: one signed-in user) and a page that records errors. */
export async function openUser(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, pageErrors };
}

/** Signs in on the login page with an API key. */
export async function signIn(page: Page, key: string) {
  await page.goto('/login');
  await page.locator('input[name="apiKey"]').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
}
