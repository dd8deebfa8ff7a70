/**
 * `pnpm bench webhooks [--check]`: webhook delivery throughput (issue 13, C3). On a throw-away
 * database, the real server (started once without its worker) creates a privacy app whose
 * call-status URL is a local node:http receiver answering 200 at once; N deliveries
 * (BENCH_DELIVERIES, default 20 000, one call-status change each) are queued through
 * enqueueDelivery; then the server starts again with its worker, as `pnpm start` runs it, and the
 * figure is deliveries/s from the receiver's first request until every delivery is DELIVERED in
 * the database. Baseline in the same run: a bare loop (webhooks-bare.ts, a process of its own)
 * POSTing the same signed bodies to the same receiver over keep-alive node:http with as many requests in flight.
 * Goal: ≥ 2 000 deliveries/s; `--check` exits 1 when missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createEventBus, defaultSettings, enqueueDelivery, inTransaction, SYSTEM, SystemClock } from '@callplane/schema/core';
import { verifySignature } from '../../packages/schema/src/modules/privacy/routing.control.js';
import { CONNECTIONS_PER_RECEIVER, DELIVERIES_PER_CLAIM, DELIVERY_ID_HEADER } from '../../packages/schema/src/modules/webhooks/webhooks.send.js';
import { cpuOf } from './cpu.js';
import { throwAwayDatabase } from './database.js';
import { freePort, ready, stop, withoutRedis } from './http.js';
import { summariseProfile, type ProfileWindow } from './profile.js';
import type { Bench } from './run.js';
import { SERVER_NODE_FLAGS } from '@callplane/server/runtime/node-flags.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'cp_000000bench0_webhooks-bench-operator-key';
const GOAL_PER_SECOND = 2000;
/** graphile-worker's concurrency in the server (packages/server/src/jobs/worker.ts). */
const WORKER_JOBS = 2;
const QUEUE_PER_TRANSACTION = 1000;
/** Transactions queueing at once (the setup, not measured). */
const QUEUE_LANES = 4;

export const webhooks: Bench = async ({ check, args }) => {
  const profile = args.includes('--profile');
  const n = Number(process.env.BENCH_DELIVERIES ?? 20_000);
  const inFlight = CONNECTIONS_PER_RECEIVER;
  const loadBefore = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), 'callplane-bench-webhooks-'));
  const database = await throwAwayDatabase('webhooks');
  const children: ChildProcess[] = [];
  const receiver = await startReceiver();
  try {
    const setup = await startServer(database.url, tmp, children, { CALLPLANE_WORKER: 'off' });
    const app = await seedApp(setup.url, receiver.url);
    await stop(setup.server);
    const queued = performance.now();
    await queue(database.url, app.id, n);
    console.log(`queued ${n.toLocaleString('en')} deliveries through enqueueDelivery in ${((performance.now() - queued) / 1000).toFixed(1)} s`);

    receiver.reset();
    const { server } = await startServer(database.url, tmp, children, {}, profile);
    const cpuBefore = await cpuOf(database.url, server.pid!);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const callplaneMs = await untilAllDelivered(database.url, n, receiver);
    const window = { name: 'deliveries', fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    const cpuAfter = await cpuOf(database.url, server.pid!);
    const sample = receiver.sample!;
    if (!verifySignature(sample.signature, sample.body, app.secret)) throw new Error('a delivery arrived with a signature that does not verify');
    const callplane = { ms: callplaneMs, ids: receiver.ids.size, requests: receiver.requests };
    const cpuPerDelivery = { server: (cpuAfter.server - cpuBefore.server) / n, postgres: (cpuAfter.postgres - cpuBefore.postgres) / n };
    await Promise.all(children.map(stop));
    if (profile) printProfile(tmp, window);

    receiver.reset();
    const bareMs = await runBare(database.url, inFlight, children);
    const bare = { ms: bareMs, ids: receiver.ids.size, requests: receiver.requests };
    if (callplane.ids !== n || bare.ids !== n) throw new Error(`the receiver got ${callplane.ids} (Callplane) and ${bare.ids} (bare) distinct delivery ids of ${n}`);

    const rate = (r: { ms: number }) => (n / r.ms) * 1000;
    const cpu = cpus();
    console.log(`\npnpm bench webhooks: ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}, ${n.toLocaleString('en')} call-status deliveries to a local node:http receiver answering 200, ${inFlight} requests in flight (the worker's connections per receiver; ${WORKER_JOBS} worker jobs claiming ${DELIVERIES_PER_CLAIM} at a time)`);
    console.log(`load average before the run ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const fig = (r: { ms: number; requests: number }) => `${Math.round(rate(r)).toLocaleString('en')} deliveries/s (${(r.ms / 1000).toFixed(1)} s, ${r.requests - n} repeated requests)`;
    const rows = [
      ['side', 'throughput', 'ratio'],
      ['Callplane (worker: claim, signed POST, attempt + state + event recorded)', fig(callplane), (rate(callplane) / rate(bare)).toFixed(2)],
      ['bare loop (node:http keep-alive, same signed bodies, same in-flight count)', fig(bare), ''],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    console.log(`CPU per delivery: server process ${Math.round(cpuPerDelivery.server)} µs, PostgreSQL backends of the bench database ${Math.round(cpuPerDelivery.postgres)} µs`);
    const met = rate(callplane) >= GOAL_PER_SECOND;
    console.log(`goal: ≥ ${GOAL_PER_SECOND.toLocaleString('en')} deliveries/s (${Math.round(rate(callplane)).toLocaleString('en')}: ${met ? 'met' : 'MISSED'})`);
    if (check && !met) console.log('\n--check: a goal was missed');
    return !check || met;
  } finally {
    await Promise.all(children.map(stop));
    await receiver.close();
    await database.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
};

/** The real server on the database with these variables; its log goes to tmp/server-<n>.log. */
async function startServer(databaseUrl: string, tmp: string, children: ChildProcess[], env: Record<string, string>, profile = false) {
  const port = await freePort();
  const log = join(tmp, `server-${children.length}.log`);
  const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${tmp}`] : []), '--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', openSync(log, 'w'), 'inherit'],
    env: { ...withoutRedis(process.env), DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', CALLPLANE_BOOTSTRAP_KEY: KEY, CALLPLANE_DASHBOARD_BUILD: '0', ...env },
  });
  children.push(server);
  const url = `http://127.0.0.1:${port}`;
  await ready(`${url}/readyz`, server, log);
  return { server, url };
}

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 60)} answered ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A tenant, its admin, and a privacy app whose call-status URL is the receiver: its row id and secret. */
async function seedApp(url: string, statusUrl: string) {
  const tenant = (await gql(url, KEY, `mutation { createTenant(name: "Webhooks bench") { id } }`)).createTenant.id;
  const user = (await gql(url, KEY, `mutation($t: ID!) { createUser(tenantId: $t, name: "bench admin", email: "admin@bench.example", role: TENANT_ADMIN) { id } }`, { t: tenant })).createUser.id;
  const admin = (await gql(url, KEY, `mutation($u: ID!) { createApiKey(userId: $u) { secret } }`, { u: user })).createApiKey.secret;
  const created = (await gql(url, admin, `mutation($s: String!) { createPrivacyApp(input: { name: "rides", mode: AXB, statusUrl: $s }) { app { id } secret } }`, { s: statusUrl })).createPrivacyApp;
  return { id: Buffer.from(created.app.id, 'base64').toString().split(':')[1]!, secret: created.secret as string };
}

/** N call-status deliveries queued as calls' reports queue them, 1 000 per transaction. */
async function queue(databaseUrl: string, appId: string, n: number) {
  const { db, close } = connect(databaseUrl, { max: QUEUE_LANES });
  const ctx = { db, clock: new SystemClock(), bus: createEventBus(), actor: SYSTEM, settings: defaultSettings };
  try {
    const starts = Array.from({ length: Math.ceil(n / QUEUE_PER_TRANSACTION) }, (_, i) => i * QUEUE_PER_TRANSACTION);
    const lane = async () => {
      for (let i = starts.shift(); i !== undefined; i = starts.shift()) {
        const items = Array.from({ length: Math.min(QUEUE_PER_TRANSACTION, n - i) }, (_, j) => ({ callId: `bench-call-${i + j}`, status: 'ALERTING', at: new Date().toISOString() }));
        await inTransaction(ctx, (tx) => enqueueDelivery(tx, { appId, kind: 'CALL_STATUS', items }));
      }
    };
    await Promise.all(Array.from({ length: QUEUE_LANES }, lane));
  } finally {
    await close();
  }
}

/** Milliseconds from the receiver's first request until no delivery is PENDING (polled every 100 ms over the due index). */
async function untilAllDelivered(databaseUrl: string, n: number, receiver: Receiver): Promise<number> {
  const { db, close } = connect(databaseUrl, { max: 1 });
  const deadline = Date.now() + 600_000;
  const count = async (status: 'PENDING' | 'DEAD') => Number((await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', status).executeTakeFirstOrThrow()).n);
  try {
    for (;;) {
      const pending = await count('PENDING');
      if (pending === 0 && receiver.first !== null) {
        const ms = performance.now() - receiver.first;
        const dead = await count('DEAD');
        if (dead) throw new Error(`${dead} deliveries went DEAD`);
        return ms;
      }
      if (Date.now() > deadline) throw new Error(`${pending} of ${n} deliveries still PENDING after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await close();
  }
}

/** `--profile`: where the server's CPU went while it delivered (the profile is kept). */
function printProfile(tmp: string, window: ProfileWindow) {
  const file = readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return console.log('no CPU profile was written');
  const kept = join(tmpdir(), `callplane-webhooks-${Date.now()}.cpuprofile`);
  renameSync(join(tmp, file), kept);
  console.log(`server CPU profile (kept in ${kept}):\n${summariseProfile(kept, [window], 25)}`);
}

async function runBare(databaseUrl: string, inFlight: number, children: ChildProcess[]): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./webhooks-bare.ts', import.meta.url))], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_CONCURRENCY: String(inFlight) },
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await new Promise((resolve) => child.once('exit', resolve));
  const m = /sent (\d+) in (\d+) ms, (\d+) failed/.exec(out);
  if (!m || m[3] !== '0') throw new Error(`the bare loop said: ${out}`);
  return Number(m[2]);
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The local receiver: answers 200 at once, counts requests and distinct delivery ids, keeps one request to check its signature. */
async function startReceiver() {
  const state = {
    first: null as number | null,
    requests: 0,
    ids: new Set<string>(),
    sample: null as { signature: string; body: string } | null,
    reset() {
      state.first = null;
      state.requests = 0;
      state.ids = new Set();
      state.sample = null;
    },
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    state.first ??= performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      state.ids.add(req.headers[DELIVERY_ID_HEADER.toLowerCase()] as string);
      state.sample ??= { signature: req.headers['callplane-signature'] as string, body: Buffer.concat(chunks).toString('utf8') };
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  });
}
