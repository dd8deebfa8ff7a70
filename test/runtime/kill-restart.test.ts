import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { connect, type Db } from '@callplane/schema';
import { freePort } from '@callplane/server/database/embedded.ts';
import { unlockDeadPools } from '@callplane/server/jobs/liveness.ts';
import type { TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { createTestDatabase } from '../support/db.js';
import { fromGlobal, ok } from '../support/graphql.js';
import { apiNumbers } from '../support/privacy-fixtures.js';
import { startReceiver } from '../support/webhook-receiver.js';
import { gql, spawnServer, type Spawned } from './process.js';

/**
 * C1/C3 under a crash: the real server process (`pnpm start`) takes call reports from concurrent
 * switch clients while its webhook receiver is down, is killed with SIGKILL mid-stream and started
 * again on the same database. What was acknowledged must survive exactly once, and every CDR of an
 * acknowledged DISCONNECT must reach the receiver once the receiver is back and the clock moves.
 */

const KEY = 'cp_000000kill00_kill-restart-operator-key';
const CLIENTS = 4;
const CALLS_PER_REPORT = 20;
/** Reports acknowledged before the kill: enough that the kill lands while the clients are sending. */
const REPORTS_BEFORE_KILL = 12;
const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status } }`;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let conn: Db;
/** Every server process started, killed at the end if still alive. */
const running: Spawned[] = [];

/** Each test on a database of its own: its servers are killed and the database dropped after it. */
beforeEach(async () => {
  database = await createTestDatabase();
  conn = connect(database.url, { max: 2 });
  return async () => {
    const started = running.splice(0);
    for (const { child } of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await conn.close();
    await database.drop();
  };
});

async function start(webhookTimeoutMs = 1000) {
  const port = await freePort();
  const env = { DATABASE_URL: database.url, PORT: String(port), CALLPLANE_CLOCK: 'manual', CALLPLANE_BOOTSTRAP_KEY: KEY, CALLPLANE_WEBHOOK_TIMEOUT_MS: String(webhookTimeoutMs) };
  const p = spawnServer('main', [], env);
  running.push(p);
  await p.waitFor(/Callplane listening on/);
  return { p, url: `http://127.0.0.1:${port}` };
}

/** The API of a running server as the fixtures' TestApp: GraphQL over HTTP, the operator key by default. */
function asTestApp(url: string): TestApp {
  const call = async (query: string, variables: Record<string, unknown> = {}, key: string | null = KEY) => gql(url, query, key ?? undefined, variables);
  return { gql: call, app: { db: conn.db } } as unknown as TestApp;
}

/** A tenant with an admin key, an AXB app whose CDR and call-status URLs are `hookUrl`, two pool numbers, the app's PARTNER key. */
async function privacyTenant(url: string, hookUrl: string) {
  const t = asTestApp(url);
  const tenantId = ok(await t.gql(`mutation { createTenant(name: "Crash Ltd") { id } }`)).createTenant.id as string;
  const userKey = async (role: string, appId?: string, by = KEY) => {
    const user = ok(await t.gql(`mutation($t: ID!, $r: Role!) { createUser(tenantId: $t, name: "${role}", email: "${role.toLowerCase()}@crash.example", role: $r) { id } }`, { t: tenantId, r: role })).createUser.id;
    return ok(await t.gql(`mutation($u: ID!, $app: ID) { createApiKey(userId: $u, appId: $app) { secret } }`, { u: user, app: appId }, by)).createApiKey.secret as string;
  };
  const admin = await userKey('TENANT_ADMIN');
  const tenant = { tenantId: fromGlobal(tenantId), keys: { admin } } as TenantFixture;
  const numbers = await apiNumbers(t, tenant, ['021-5570 0001', '021-5570 0002']);
  const app = ok(await t.gql(`mutation($u: String!) { createPrivacyApp(input: { name: "rides", mode: AXB, cdrUrl: $u, statusUrl: $u }) { app { id } } }`, { u: hookUrl }, admin)).createPrivacyApp.app.id as string;
  ok(await t.gql(`mutation($app: ID!, $ids: [ID!]!) { moveNumbersToPool(appId: $app, numberIds: $ids) { id } }`, { app, ids: numbers }, admin));
  const xs = await conn.db.selectFrom('privacy_pool_numbers').select('e164').execute();
  return { partner: await userKey('PARTNER', app, admin), xs: xs.map((x) => x.e164), appId: fromGlobal(app) };
}

interface Report {
  events: { eventId: string; callId: string; type: string }[];
}

/** A report of CALLS_PER_REPORT whole calls (CALLIN, CALLOUT, ANSWER, DISCONNECT), ids unique per client and report. */
function report(client: number, n: number, xs: string[], nowMs: number): Report & { events: Record<string, unknown>[] } {
  const at = (s: number) => new Date(nowMs - 600_000 + s * 1000).toISOString();
  const events = Array.from({ length: CALLS_PER_REPORT }, (_, i) => {
    const callId = `c${client}-r${n}-${i}`;
    return [
      { eventId: `${callId}-in`, callId, type: 'CALLIN', occurredAt: at(0), caller: `1380000${String(client * 1000 + i).padStart(4, '0')}`, called: xs[i % xs.length] },
      { eventId: `${callId}-out`, callId, type: 'CALLOUT', occurredAt: at(1), callee: '13900002222' },
      { eventId: `${callId}-ans`, callId, type: 'ANSWER', occurredAt: at(5) },
      { eventId: `${callId}-end`, callId, type: 'DISCONNECT', occurredAt: at(65), failureReason: 'NORMAL' },
    ];
  }).flat();
  return { events };
}

describe('a crash of the server process', { timeout: 240_000 }, () => {
  it('C1/C3: kill -9 mid-ingest, then a restart: every acknowledged call event is stored once, every acknowledged DISCONNECT’s CDR is delivered (deduplicated by delivery id, exactly once)', async () => {
    const receiver = await startReceiver(() => 503); // down until after the restart
    const first = await start();
    const { partner, xs } = await privacyTenant(first.url, receiver.url);
    const nowMs = new Date(ok(await gql(first.url, '{ now }', KEY)).now).getTime();

    // concurrent switch clients report until the server dies under them
    const acknowledged: Report[] = [];
    const unacknowledged: Report[] = [];
    let killed = false;
    const client = async (c: number) => {
      for (let n = 0; ; n++) {
        const r = report(c, n, xs, nowMs);
        try {
          const answer = await gql(first.url, REPORT, partner, { events: r.events });
          expect(ok(answer).reportCallEvents.map((x: { status: string }) => x.status)).toEqual(r.events.map(() => 'STORED'));
          acknowledged.push(r);
          if (acknowledged.length >= REPORTS_BEFORE_KILL && !killed) {
            killed = true;
            first.p.child.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw new Error(`a report failed before the kill: ${(err as Error).message}\nserver log:\n${first.p.stdout().slice(-3000)}${first.p.stderr().slice(-2000)}`);
          unacknowledged.push(r); // in flight when the process died: stored or not, never half
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    expect((await first.p.exited).signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(REPORTS_BEFORE_KILL);
    expect(unacknowledged).toHaveLength(CLIENTS);
    expect(receiver.received.length, 'the receiver was called (and failed) before the crash').toBeGreaterThan(0);

    const second = await start();
    // the switches send again what got no answer, and one acknowledged report as a retry would
    for (const r of [...unacknowledged, acknowledged[0]!]) {
      const statuses = ok(await gql(second.url, REPORT, partner, { events: r.events })).reportCallEvents.map((x: { status: string }) => x.status);
      expect(statuses.every((s: string) => s === 'STORED' || s === 'DUPLICATE')).toBe(true);
      if (r === acknowledged[0]) expect(new Set(statuses)).toEqual(new Set(['DUPLICATE']));
    }

    // C1: each acknowledged event once, by the switch's event id
    const stored = await conn.db.selectFrom('call_events').select(['switch_event_id']).execute();
    const counts = new Map<string, number>();
    for (const e of stored) counts.set(e.switch_event_id, (counts.get(e.switch_event_id) ?? 0) + 1);
    const ackedIds = acknowledged.flatMap((r) => r.events.map((e) => e.eventId));
    expect(ackedIds.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);

    // C3: the receiver is back; the clock moves past the held and the retried attempts
    receiver.answerWith(() => 200);
    const pending = () => conn.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '<>', 'DELIVERED').executeTakeFirstOrThrow();
    for (let round = 0; Number((await pending()).n) > 0; round++) {
      if (round >= 20) throw new Error(`${(await pending()).n} deliveries not DELIVERED after ${round} advances of the clock`);
      // advanceClock runs every due job and waits for those other workers run; the jobs the dead
      // process had taken are unlocked, not waited for (graphile-worker alone would hold them 4 hours)
      const moved = await gql(second.url, 'mutation { advanceClock(seconds: 600) }', KEY);
      expect(moved.errors).toBeUndefined();
    }

    // one body per delivery id, however often it was attempted
    const bodies = new Map<string, { kind: string; items: { switchCallId?: string; callId?: string }[] }>();
    for (const r of receiver.received.filter((x) => x.status === 200)) bodies.set(r.headers['callplane-delivery-id'] as string, JSON.parse(r.body));
    const delivered = await conn.db.selectFrom('deliveries').select(['id', 'kind']).execute();
    expect(delivered.filter((d) => !bodies.has(d.id)).map((d) => d.kind)).toEqual([]);
    const cdrCalls = [...bodies.values()].filter((b) => b.kind === 'CDR').flatMap((b) => b.items.map((c) => c.switchCallId!));
    const ackedCalls = acknowledged.flatMap((r) => r.events.filter((e) => e.type === 'DISCONNECT').map((e) => e.callId));
    const cdrCounts = new Map<string, number>();
    for (const id of cdrCalls) cdrCounts.set(id, (cdrCounts.get(id) ?? 0) + 1);
    expect(ackedCalls.filter((id) => cdrCounts.get(id) !== 1)).toEqual([]);
    expect([...cdrCounts.values()].filter((n) => n !== 1)).toEqual([]);

    second.p.child.kill('SIGTERM');
    expect((await second.p.exited).code).toBe(0);
    await receiver.close();
  });

  it('C3: a job the killed process was running is unlocked and runs after a restart at once, not 4 hours later; a job a live process runs is never unlocked', async () => {
    // the receiver keeps every request waiting: the first server's delivery job stays in its request
    const receiver = await holdingReceiver();
    const first = await start(60_000);
    const { partner, xs } = await privacyTenant(first.url, receiver.url);
    const nowMs = new Date(ok(await gql(first.url, '{ now }', KEY)).now).getTime();
    const oneCall = report(0, 0, xs, nowMs).events.slice(0, 4); // CALLIN, CALLOUT, ANSWER, DISCONNECT
    ok(await gql(first.url, REPORT, partner, { events: oneCall }));
    const taken = await until(async () => {
      const rows = (await sql<{ id: string; locked_by: string }>`select id::text, locked_by from graphile_worker.jobs where locked_by is not null`.execute(conn.db)).rows;
      return receiver.waiting() > 0 && rows.length > 0 ? rows : null;
    });

    // a second server starts while the first is alive: the first's running job stays its own
    const second = await start(60_000);
    expect(await unlockDeadPools(conn.pool), 'nothing is unlocked while its process lives').toEqual([]);
    const stillTaken = (await sql<{ id: string; locked_by: string }>`select id::text, locked_by from graphile_worker.jobs where locked_by is not null`.execute(conn.db)).rows;
    expect(stillTaken.filter((j) => taken.some((t) => t.id === j.id))).toEqual(taken);

    first.p.child.kill('SIGKILL');
    expect((await first.p.exited).signal).toBe('SIGKILL');
    receiver.answerNow();

    // the clock moves past the claim's hold (8 time-outs of 60 s and a minute): the dead process's
    // job is not waited for, and every delivery is made
    const moved = await gql(second.url, 'mutation { advanceClock(seconds: 600) }', KEY);
    expect(moved.errors).toBeUndefined();
    const left = await sql<{ id: string }>`select id::text from graphile_worker.jobs where id = any(${taken.map((t) => t.id)}::bigint[]) and locked_by is not null`.execute(conn.db);
    expect(left.rows).toEqual([]);
    const deliveries = await conn.db.selectFrom('deliveries').select(['id', 'status']).execute();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.filter((d) => d.status !== 'DELIVERED')).toEqual([]);
    expect(new Set(receiver.answered())).toEqual(new Set(deliveries.map((d) => d.id)));

    second.p.child.kill('SIGTERM');
    expect((await second.p.exited).code).toBe(0);
    await receiver.close();
  });
});

/** Polls `probe` until it answers non-null (a condition, not a duration); 30 s at most. */
async function until<T>(probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('condition not met within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A webhook receiver that leaves every request waiting for an answer until `answerNow()`, and from
 * then on answers 200 at once; `answered()` lists the delivery ids it answered 200.
 */
async function holdingReceiver() {
  let holding = true;
  const waiting: ServerResponse[] = [];
  const answered: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (holding) return void waiting.push(res);
      answered.push(req.headers['callplane-delivery-id'] as string);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    waiting: () => waiting.filter((res) => !res.destroyed).length,
    answered: () => answered,
    answerNow() {
      holding = false;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
