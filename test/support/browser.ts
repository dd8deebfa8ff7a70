import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { defaultDashboardDir } from '@callplane/server';

export const screenshotDir = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/**
 * The Chromium the global setup chose (see chromium.ts), driven by playwright-core. A missing
 * browser or an unbuilt dashboard fails the run with what to do, rather than skipping the tests.
 */
export async function launchBrowser(): Promise<Browser> {
  const { executablePath } = inject('chromium');
  if (!existsSync(executablePath)) throw new Error(`There is no browser at ${executablePath}: set CHROMIUM_PATH to a Chromium, or unset it.`);
  if (!existsSync(`${defaultDashboardDir}/index.html`))
    throw new Error(`The dashboard is not built (${defaultDashboardDir} is missing): run \`pnpm build\` first.`);
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath,
    args: [
      '--headless=new',
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

declare global {
  interface Window {
    __sockets?: { open: WebSocket[]; blocked: boolean };
  }
}

/**
 * Lets a test cut the page's WebSockets: `drop` closes them as a network failure would, and while
 * `blocked` every reconnect attempt fails (it dials a closed port), so events can happen in the gap.
 */
export async function controlSockets(context: BrowserContext) {
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    const state = { open: [] as WebSocket[], blocked: false };
    window.__sockets = state;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(state.blocked ? 'ws://127.0.0.1:9/blocked' : url, protocols);
        state.open.push(this);
      }
    };
  });
  return {
    drop: (page: Page) =>
      page.evaluate(() => {
        window.__sockets!.blocked = true;
        for (const s of window.__sockets!.open.splice(0)) s.close(4000, 'test: connection dropped');
      }),
    restore: (page: Page) => page.evaluate(() => void (window.__sockets!.blocked = false)),
  };
}
