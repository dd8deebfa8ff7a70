/**
 * `pnpm bench dashboard [--minutes N] [--rate N] [--live N] [--check]`: the live calls page in a
 * real Chromium while a driver reports RATE call events a second (default 100) with about LIVE
 * calls in progress (default 1 000), for MINUTES (default 10). Prints, from each event's commit to
 * its row changing in the page's DOM (a MutationObserver on `data-event`), p50 / p99 / max; the
 * page's JS heap (CDP, after a forced GC) first / last / max; its long tasks; and the same for a
 * bare page that gets the same events over a bare WebSocket at their commit and writes the DOM
 * directly. The page keeps only the rows in its scroll box in the DOM: the figures are those of the
 * events whose row is on screen (every new call, the changes of the calls in view), and its count of
 * live calls against the driver's says that it applied the others too.
 * `--profile` prints where the page's CPU went. Goal: p99 < 200 ms and a heap that does not grow:
 * the last sample within 20 % of the first one after the warm-up (the first minute, a quarter of a
 * shorter run: the CDR feed fills and the first calls end then, which a leak-free page also holds).
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createClient } from 'graphql-ws';
import { WebSocketServer, WebSocket } from 'ws';
import { defaultSettings } from '@callplane/schema';
import { createApp, defaultDashboardDir } from '@callplane/server';
import type { TestApp } from '../support/app.js';
import { signIn } from '../support/browser.js';
import { findChromium } from '../support/chromium.js';
import { seedOperatorKey, seedTenant } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { apiNumbers } from '../support/privacy-fixtures.js';
import { callDriver, type SentEvent } from './dashboard-driver.js';
import { bareTablePage, drainSeen, mainThreadTime, recordRowChanges, topSelfTime, type Seen } from './dashboard-pages.js';
import { throwAwayDatabase } from './database.js';
import type { Bench } from './run.js';
import { flag } from './flags.js';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const X = '+862155630001';

/** An app of one tenant with one X number, through the API as a user would set it up. */
async function world(app: Awaited<ReturnType<typeof createApp>>) {
  const system = app.systemContext();
  const operatorKey = await seedOperatorKey(system);
  const tenant = await seedTenant(system, 'Bench');
  const gql = async (query: string, variables: Record<string, unknown> = {}, key: string = operatorKey) =>
    (await app.yoga.fetch('http://callplane.bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) })).json();
  const numbers = await apiNumbers({ gql, app } as unknown as TestApp, tenant, ['021 5563 0001']);
  const created = ok(await gql(`mutation($input: PrivacyAppInput!) { createPrivacyApp(input: $input) { app { id } } }`, { input: { name: 'Bench rides', mode: 'AXB' } }, tenant.keys.admin));
  ok(await gql(`mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`, { app: created.createPrivacyApp.app.id, ids: numbers }, tenant.keys.admin));
  return tenant;
}

async function open(browser: Browser, baseURL?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1360, height: 900 } });
  await context.addInitScript({ content: recordRowChanges });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  return { context, page };
}

/** The page's live JS heap after a full collection, through the DevTools protocol. */
async function heapReader(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  const samples: number[] = [];
  return {
    samples,
    async sample() {
      await cdp.send('HeapProfiler.collectGarbage');
      samples.push((await cdp.send('Runtime.getHeapUsage')).usedSize);
    },
  };
}

/**
 * First arrival of each event on screen, against its commit (and its send) time. A row that comes
 * into the DOM later (scrolled or shifted into view) shows an event it had before: only a call's
 * first event counts that way, the others count when their row on screen changes.
 */
function latencies(seen: Seen[], committed: Map<string, SentEvent>) {
  const first = new Map<string, number>();
  for (const [id, t, how] of seen) {
    const e = committed.get(id);
    if (e && !first.has(id) && (how === 'changed' || e.first)) first.set(id, t);
  }
  const fromCommit = [...first].map(([id, t]) => t - committed.get(id)!.committed).sort((a, b) => a - b);
  const fromSend = [...first].map(([id, t]) => t - committed.get(id)!.sent).sort((a, b) => a - b);
  return { shown: first.size, first, fromCommit, fromSend };
}

export const dashboard: Bench = async ({ check, args }) => {
  const minutes = flag(args, '--minutes', 10);
  const rate = flag(args, '--rate', 100);
  const live = flag(args, '--live', 1000);
  const db = await throwAwayDatabase('dashboard');
  const app = await createApp({ databaseUrl: db.url, logLevel: 'silent', dashboardDir: defaultDashboardDir, settings: defaultSettings });
  const url = await app.start(0);
  const bare = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => bare.once('listening', r));
  const browser = await chromium.launch({ executablePath: (await findChromium()).executablePath, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const tenant = await world(app);
    const committed = new Map<string, SentEvent>();
    const driver = callDriver({
      url,
      key: tenant.keys.admin,
      x: X,
      onCommitted: (events) => {
        for (const e of events) committed.set(e.eventId, e);
        const frame = JSON.stringify(events.map(({ eventId, callId, state }) => ({ eventId, callId, state })));
        for (const s of bare.clients) if (s.readyState === WebSocket.OPEN) s.send(frame);
      },
    });

    const calls = await open(browser, url);
    await signIn(calls.page, tenant.keys.admin);
    await calls.page.locator('[data-testid="live-indicator"]', { hasText: 'Live' }).waitFor();
    // the sidebar's link (the overview's calls tile links there too)
    await calls.page.locator('nav').getByRole('link', { name: 'Live calls', exact: true }).click();
    await calls.page.getByText('No call in progress.').waitFor();
    const baseline = await open(browser);
    await baseline.page.setContent(bareTablePage(`ws://127.0.0.1:${(bare.address() as { port: number }).port}`));
    await baseline.page.waitForFunction(() => document.title === 'open');

    console.log(`filling ${live} calls in progress …`);
    await driver.fill(live);
    const rows = () => calls.page.evaluate(() => document.querySelectorAll('[data-testid="live-calls"] tr[data-call]').length);
    const liveCount = () => calls.page.locator('[data-testid="live-count"]').textContent();
    // the fill's own events applied too (every call counted live): the page's subscription has no backlog when the run starts
    await calls.page.locator('[data-testid="live-count"]', { hasText: new RegExp(`^${live} live$`) }).waitFor({ timeout: 300_000 });
    await Promise.all([drainSeen(calls.page), drainSeen(baseline.page)]);

    // the same subscription in this process: the server's share of the time, without the browser
    const node: Seen[] = [];
    const wsClient = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${tenant.keys.admin}` } });
    const stopNode = wsClient.subscribe<{ callEvents: { eventId: string } }>(
      { query: `subscription { callEvents { cursor event state eventId occurredAt call { id switchCallId state direction x caller called callee callInAt queuedAt alertingAt answeredAt endedAt failureReason updatedAt } } }` },
      { next: (v) => v.data && node.push([v.data.callEvents.eventId, performance.timeOrigin + performance.now(), 'changed']), error: () => {}, complete: () => {} },
    );
    const heaps = { calls: await heapReader(calls.context, calls.page), bare: await heapReader(baseline.context, baseline.page) };
    const seen = { calls: [] as Seen[], bare: [] as Seen[] };
    const long = { calls: [] as number[], bare: [] as number[] };
    const collect = async () => {
      for (const which of ['calls', 'bare'] as const) {
        const got = await drainSeen(which === 'calls' ? calls.page : baseline.page);
        seen[which].push(...got.seen);
        long[which].push(...got.long);
      }
    };
    const sampleEvery = Math.max(15_000, (minutes * 60_000) / 20);
    await Promise.all([heaps.calls.sample(), heaps.bare.sample()]);
    console.log(`${rate} events/s for ${minutes} min with ~${live} calls live (heap every ${sampleEvery / 1000} s) …`);
    const profiler = args.includes('--profile') ? await calls.context.newCDPSession(calls.page) : null;
    if (profiler) await profiler.send('Profiler.enable').then(() => profiler.send('Profiler.start'));
    if (profiler) await browser.startTracing(calls.page, { categories: ['devtools.timeline'] });
    const before = committed.size;
    const running = driver.run(rate, live, minutes * 60_000);
    let done = false;
    void running.then(() => (done = true));
    let lastSample = Date.now();
    while (!done) {
      await new Promise((r) => setTimeout(r, 2000));
      await collect();
      if (Date.now() - lastSample >= sampleEvery) {
        lastSample = Date.now();
        await Promise.all([heaps.calls.sample(), heaps.bare.sample()]);
      }
    }
    // the server may lag on a loaded machine: the Node subscriber has every event, then the page gets a moment to show them
    const settle = Date.now() + 60_000;
    while (node.length < committed.size - before && Date.now() < settle) await new Promise((r) => setTimeout(r, 200));
    await calls.page
      .locator('[data-testid="live-count"]', { hasText: new RegExp(`^${driver.live.size} live$`) })
      .waitFor({ timeout: 10_000 })
      .catch(() => {});
    await collect();
    await Promise.all([heaps.calls.sample(), heaps.bare.sample()]);

    const report = (name: string, l: ReturnType<typeof latencies>, heap: number[], tasks: number[]) => {
      console.log(
        `${name.padEnd(22)} ${l.shown} events on screen; commit → row: p50 ${ms(pct(l.fromCommit, 50))}, p99 ${ms(pct(l.fromCommit, 99))}, max ${ms(l.fromCommit.at(-1) ?? NaN)}` +
          ` (from send: p99 ${ms(pct(l.fromSend, 99))}); heap first ${mb(heap[0]!)}, last ${mb(heap.at(-1)!)}, max ${mb(Math.max(...heap))}` +
          `; long tasks ${tasks.length}, ${ms(tasks.reduce((a, b) => a + b, 0))} in all, max ${ms(Math.max(0, ...tasks))}`,
      );
    };
    if (profiler) console.log(`the page's CPU over the run, by self time:\n${topSelfTime((await profiler.send('Profiler.stop')).profile)}`);
    if (profiler) console.log(`the busiest page's main thread over the run (trace):\n${mainThreadTime(JSON.parse((await browser.stopTracing()).toString()))}`);
    stopNode();
    await wsClient.dispose();
    const mine = latencies(seen.calls, committed);
    const theirs = latencies(seen.bare, committed);
    console.log(`\n${committed.size} events committed (${committed.size - before} in the run), driver errors: ${driver.errors.length}${driver.errors.length ? ` (first: ${driver.errors[0]})` : ''}`);
    // the page shows only the rows in its scroll box: its count of live calls says whether it applied every event
    console.log(`calls live: ${driver.live.size} at the switch, the page says "${await liveCount()}"; call rows in the page's DOM: ${await rows()}`);
    report('live calls page', mine, heaps.calls.samples, long.calls);
    console.log(`${''.padEnd(22)} its heap samples: ${heaps.calls.samples.map(mb).join(', ')}`);
    report('bare page + bare ws', theirs, heaps.bare.samples, long.bare);
    const sub = latencies(node, committed);
    console.log(`${'subscription in node'.padEnd(22)} got ${sub.shown} events; commit → arrival: p50 ${ms(pct(sub.fromCommit, 50))}, p99 ${ms(pct(sub.fromCommit, 99))}, max ${ms(sub.fromCommit.at(-1) ?? NaN)}`);
    // the page's own share, event by event: from the same event's arrival in Node to its row on screen (a loaded server drops out)
    const own = [...mine.first].flatMap(([id, t]) => (sub.first.has(id) ? [t - sub.first.get(id)!] : [])).sort((a, b) => a - b);
    console.log(`${'page after node'.padEnd(22)} ${own.length} events; node arrival → row: p50 ${ms(pct(own, 50))}, p99 ${ms(pct(own, 99))}, max ${ms(own.at(-1) ?? NaN)}`);
    const p99 = pct(mine.fromCommit, 99);
    // sample 0 is taken before the run, one every sampleEvery after it
    const warmed = Math.min(heaps.calls.samples.length - 1, Math.ceil(Math.min(60_000, (minutes * 60_000) / 4) / sampleEvery));
    const growth = heaps.calls.samples.at(-1)! / heaps.calls.samples[warmed]!;
    const applied = (await liveCount())?.trim() === `${driver.live.size} live`;
    const met = p99 < 200 && growth < 1.2 && applied;
    console.log(`goal: p99 < 200 ms (${ms(p99)}), heap last / after warm-up (${mb(heaps.calls.samples[warmed]!)}) < 1.2 (${growth.toFixed(2)}) and every call counted (${applied ? 'yes' : 'no'}): ${met ? 'met' : 'MISSED'}`);
    return !check || met;
  } finally {
    await browser.close();
    bare.close();
    await app.stop();
    await db.drop();
  }
};
