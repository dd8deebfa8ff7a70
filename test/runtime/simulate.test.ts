import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@callplane/server';
import { connect, type Db } from '@callplane/schema';
import { loadConfig } from '@callplane/server/config.ts';
import { freePort } from '@callplane/server/database/embedded.ts';
import { seedDemo } from '@callplane/server/demo.ts';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { ok } from '../support/graphql.js';
import { progressLine, progressPrinter } from '@callplane/server/simulator/progress.ts';
import { mintSimulatorKeys } from '@callplane/server/simulator/setup.ts';
import { startSimulator } from '@callplane/server/simulator/simulator.ts';
import { cli, errorOutput, gql, spawnServer, type Spawned } from './process.js';

/**
 * Issue 13's traffic simulator as a user runs it: `pnpm callplane simulate` against a started
 * server (the demo tenant's apps and instance), and the gentle simulator inside `pnpm start` with
 * CALLPLANE_DEMO=1. Everything is checked through the public API, as a user sees it.
 */
let t: TestApp;
/** What the server logged at error level (a real fault behind an "Unexpected error"), to name it when a test fails. */
const serverErrors: string[] = [];
const errorSink = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n').filter(Boolean)) serverErrors.push(l.slice(0, 2000));
    done();
  },
});
let adminKey: string;
const running: Spawned[] = [];

beforeAll(async () => {
  t = await startTestApp({ log: createLogger('error', errorSink) });
  const seed = await seedDemo(t.app.systemContext());
  adminKey = seed.keys.find((k) => k.role === 'TENANT_ADMIN')!.secret;
});
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await t?.stop();
});

const SUMMARY = /simulated [\d.]+ s: (\d+) calls — (\d+) answered, (\d+) unanswered, (\d+) rejected; (\d+) call events reported, (\d+) SMS, (\d+) errors/;
const PROGRESS = /^\s+\d+ s {2}calls \d+ \(answered \d+, unanswered \d+, rejected \d+, live \d+\) {2}events \d+ {2}sms \d+( {2}voice \d+)? {2}errors \d+$/m;
const LIVE = `{ liveCalls(first: 100) { edges { node { switchCallId state } } } }`;
// the CDRs of calls that ended up to an hour past the server's (manual) clock: the switch's clock runs on
const CDRS = `query($to: DateTime) { cdrs(first: 100, to: $to) { edges { node { switchCallId answeredAt endedAt billableMinutes failureReason instance { id } app { id } } } } }`;

async function waitUntil<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const simCalls = (edges: { node: { switchCallId: string } }[]) => edges.filter((e) => e.node.switchCallId.startsWith('sim-'));

describe('pnpm callplane simulate', { timeout: 120_000 }, () => {
  it('C1/C2/C4/P8/I3: drives calls through the API — live calls while it runs; answered, unanswered and rejected CDRs with billable minutes from their times; SMS stored; progress and summary printed; its keys revoked at the end', async () => {
    const p = spawnServer('cli', ['simulate', '--rate', '8', '--duration', '10', '--speed', '30', '--rejected', '0.3', '--url', t.url], { DATABASE_URL: t.databaseUrl });
    running.push(p);
    await p.waitFor(/• simulating 8 calls\/s for 10 s at speed 30/);
    expect(p.stderr()).toMatch(/privacy apps: Demo rides \(AXB\) \(3 bindings\), Demo shop \(AX\) \(2 bindings\), Demo couriers \(AXE\) \(3 bindings\)/);
    expect(p.stderr()).toMatch(/instances: Demo Contact Center \(\+86\d+\)/);
    expect(p.stderr()).toMatch(/voice apps: Demo notifications/);
    // while it runs, the tenant sees its calls live
    await waitUntil(async () => simCalls(ok(await t.gql(LIVE, {}, adminKey)).liveCalls.edges), (calls) => calls.length > 0, 'live calls');

    const { code } = await p.exited;
    // a request the simulator saw fail is shown with what the server logged about it
    expect({ simulatorErrors: p.stderr().match(/^! .*$/gm) ?? [], serverErrors }).toEqual({ simulatorErrors: [], serverErrors: [] });
    expect(code).toBe(0);
    const [, calls, answered, unanswered, rejected, events, sms, errors] = SUMMARY.exec(p.stdout())!.map(Number);
    expect(p.stderr()).toMatch(PROGRESS); // not a terminal: a progress line every 5 s
    expect(errors).toBe(0);
    expect(calls).toBeGreaterThan(20);
    expect(answered).toBeGreaterThan(0);
    expect(unanswered).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    expect(answered! + unanswered! + rejected!).toBe(calls);
    expect(events).toBeGreaterThanOrEqual(calls! * 2);

    // every call hung up at the end: none is left live, each has its CDR
    expect(simCalls(ok(await t.gql(LIVE, {}, adminKey)).liveCalls.edges)).toEqual([]);
    const to = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
    const cdrs = simCalls(ok(await t.gql(CDRS, { to }, adminKey)).cdrs.edges).map((e: any) => e.node);
    expect(cdrs).toHaveLength(calls!);
    for (const c of cdrs) {
      const talked = c.answeredAt ? Math.ceil((Date.parse(c.endedAt) - Date.parse(c.answeredAt)) / 60_000) : 0;
      expect(c.billableMinutes, c.switchCallId).toBe(talked);
    }
    const answeredCdrs = cdrs.filter((c) => c.answeredAt);
    expect(answeredCdrs).toHaveLength(answered!);
    expect(cdrs.filter((c) => /^REJECTED 80\d\d/.test(c.failureReason ?? ''))).toHaveLength(rejected!);
    expect(cdrs.filter((c) => !c.answeredAt && !c.failureReason?.startsWith('REJECTED'))).toHaveLength(unanswered!);
    // C4: SMS now and then, stored as reported
    expect(sms).toBeGreaterThan(0);
    const texts = ok(await t.gql(`query($to: DateTime) { smsMessages(first: 100, to: $to) { edges { node { messageId } } } }`, { to }, adminKey)).smsMessages.edges;
    expect(texts.filter((e: any) => e.node.messageId.startsWith('sim-'))).toHaveLength(sms!);
    // privacy calls of the apps, and instance calls that queued and reached an agent
    expect(cdrs.some((c) => c.app && c.answeredAt), 'an answered privacy call').toBe(true);
    expect(cdrs.some((c) => c.instance && c.answeredAt), 'an instance call an agent answered').toBe(true);

    const db: Db = connect(t.databaseUrl, { max: 1 });
    try {
      const keys = await db.db.selectFrom('api_keys').select(['role', 'revoked_at']).where('label', '=', 'simulator').execute();
      // a PARTNER key per privacy app and one for the demo's voice app (V3)
      expect(keys.map((k) => k.role).sort()).toEqual(['PARTNER', 'PARTNER', 'PARTNER', 'PARTNER', 'TENANT_ADMIN']);
      expect(keys.every((k) => k.revoked_at), 'keys revoked').toBe(true);
    } finally {
      await db.close();
    }
  });

  it('exits 1 with the reason when the server is unreachable, before making any key', async () => {
    const port = await freePort();
    const r = await cli(['simulate', '--rate', '1', '--duration', '1', '--url', `http://127.0.0.1:${port}`], { DATABASE_URL: t.databaseUrl });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: the server at http://127.0.0.1:${port} is unreachable: .*ECONNREFUSED`));
    expect(r.stderr).not.toMatch(/minting/);
  });

  it('bad options name the option; an unknown tenant is named', async () => {
    const r = await cli(['simulate', '--rate', '0', '--duration', '5'], { DATABASE_URL: t.databaseUrl });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--rate is a positive number/);
    const unknown = await cli(['simulate', '--rate', '1', '--duration', '1', '--tenant', 'Nobody Ltd', '--url', t.url], { DATABASE_URL: t.databaseUrl });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/error: tenant 'Nobody Ltd' .*\(tenant\)/);
  });

  it('on a terminal the progress line is rewritten in place; errors are shown on a line of their own', () => {
    const written: string[] = [];
    const printer = progressPrinter({ isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream);
    const stats = { calls: 3, answered: 1, unanswered: 1, rejected: 1, live: 0, events: 9, sms: 0, errors: 0, elapsedSeconds: 1 };
    printer.progress(stats);
    printer.progress({ ...stats, calls: 4, elapsedSeconds: 2 });
    printer.error(new Error('reportCallEvents: boom'));
    expect(written).toEqual([`\r\x1b[2K${progressLine(stats)}`, `\r\x1b[2K${progressLine({ ...stats, calls: 4, elapsedSeconds: 2 })}`, '\r\x1b[2K', '! reportCallEvents: boom\n']);
    expect(progressLine(stats)).toMatch(PROGRESS);
  });

  // last: it stops the test app's server
  it('the server going away mid-run: the errors, the summary, and exit 1 with the reason', async () => {
    const p = spawnServer('cli', ['simulate', '--rate', '2', '--duration', '60', '--url', t.url], { DATABASE_URL: t.databaseUrl });
    running.push(p);
    await p.waitFor(/• simulating/);
    await t.app.stop();
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.stdout()).toMatch(SUMMARY);
    expect(p.stderr()).toMatch(/^! the server at http:\/\/127\.0\.0\.1:\d+ is unreachable/m);
    expect(p.stderr()).toMatch(/^error: the server at .* is unreachable/m);
  });
});

describe('startSimulator (the core the CLI and the server share)', { timeout: 120_000 }, () => {
  it('P5: a long run reads the bindings again: once the demo ones expired it binds new ones through the API, and their calls connect', async () => {
    const own = await startTestApp();
    try {
      await seedDemo(own.app.systemContext());
      const minted = await mintSimulatorKeys(own.app.systemContext(), { validForSeconds: 86_400 });
      const errors: string[] = [];
      const sim = await startSimulator({ url: own.url, keys: minted.keys, rate: 4, speed: 30, smsShare: 0, instanceShare: 0, rejectedShare: 0, refreshBindingsMs: 300, onError: (e) => errors.push(e.message) });
      const rides = sim.apps.find((a) => a.name === 'Demo rides (AXB)')!;
      const demoBindings = rides.bindings.map((b) => b.id);
      expect(demoBindings).toHaveLength(3);
      ok(await own.gql(`mutation { advanceClock(seconds: 10800) }`)); // 3 h: the demo's AXB bindings (1–2 h) expired
      await waitUntil(async () => rides.bindings.map((b) => b.id), (ids) => ids.length > 0 && ids.every((id) => !demoBindings.includes(id)), 'new bindings');
      const calls = sim.stats.calls;
      await waitUntil(async () => sim.stats.calls, (n) => n >= calls + 12, 'calls on the new bindings');
      const stats = await sim.stop();
      await minted.revoke();
      expect(errors).toEqual([]);
      expect(stats.errors).toBe(0);
      // calls routed on the new bindings were connected (those dialled in the moment before the refresh were refused: 8014)
      const fresh = new Set(rides.bindings.map((b) => b.id));
      const cdrs = ok(await own.gql(`{ cdrs(first: 100) { edges { node { answeredAt callee binding { id } } } } }`)).cdrs.edges.map((e: any) => e.node);
      const onFresh = cdrs.filter((c: any) => c.binding && fresh.has(c.binding.id));
      expect(onFresh.length).toBeGreaterThan(0);
      expect(onFresh.every((c: any) => c.callee)).toBe(true);
    } finally {
      await own.stop();
    }
  });
});

describe('the demo traffic inside pnpm start', { timeout: 120_000 }, () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => void (database = await createTestDatabase()));
  afterAll(() => database?.drop());

  async function start(env: Record<string, string>) {
    const port = await freePort();
    const p = spawnServer('main', [], { DATABASE_URL: database.url, PORT: String(port), CALLPLANE_DEMO: '1', ...env });
    running.push(p);
    await p.waitFor(/Callplane listening on/);
    return { p, url: `http://127.0.0.1:${port}` };
  }
  async function stop(p: Spawned) {
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    expect(errorOutput(p)).toEqual([]);
  }

  it('CALLPLANE_DEMO=1: the server makes calls on its own (live calls and CDRs through the API), and SIGTERM still exits 0; CALLPLANE_SIMULATOR=off: no simulator', async () => {
    const first = await start({});
    const key = /TENANT_ADMIN .* key: (cp_\S+)/.exec(first.p.stdout())![1]!;
    await first.p.waitFor(/demo traffic simulator: about a call every 4 s to tenant \\"Demo Telecom Ltd\\" \(3 privacy apps, 1 instances\)/);
    const seen = await waitUntil(
      async () => {
        const live = (await gql(first.url, LIVE, key)).data.liveCalls.edges;
        const ended = (await gql(first.url, CDRS, key, {})).data.cdrs.edges;
        return simCalls([...live, ...ended]);
      },
      (calls) => calls.length >= 2,
      'the demo traffic’s calls',
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    await stop(first.p);
    // its calls hung up and its keys were revoked on the way out
    const db: Db = connect(database.url, { max: 1 });
    try {
      expect(await db.db.selectFrom('calls').select('switch_call_id').where('state', '<>', 'ENDED').execute()).toEqual([]);
      const keys = await db.db.selectFrom('api_keys').select('revoked_at').where('label', '=', 'simulator').execute();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.revoked_at), 'keys revoked').toBe(true);
    } finally {
      await db.close();
    }

    const second = await start({ CALLPLANE_SIMULATOR: 'off' });
    await second.p.waitFor(/CALLPLANE_SIMULATOR=off: no demo traffic/);
    expect(second.p.stdout()).not.toMatch(/demo traffic simulator/);
    await stop(second.p);
  });

  it('CALLPLANE_SIMULATOR is on or off, validated like the other settings', () => {
    expect(loadConfig({}).simulator).toBe(true);
    expect(loadConfig({ CALLPLANE_SIMULATOR: 'off' }).simulator).toBe(false);
    expect(() => loadConfig({ CALLPLANE_SIMULATOR: 'no' })).toThrow(/CALLPLANE_SIMULATOR/);
  });
});
