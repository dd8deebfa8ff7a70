/**
 * `pnpm bench http [--check] [--profile]`: the request path (issue 10). The real server
 * (`node --import tsx packages/server/src/main.ts`, as in production) and a bare node:http + pg
 * handler run side by side on one throw-away database; autocannon, in a process of its own, loads
 * each with 20 connections, after a warm-up of its own (BENCH_WARMUP_SECONDS, default 6). Goal:
 * Callplane at ≥ 0.5× the bare handler's req/s, p99 < 10 ms.
 * `--profile` runs the server under `--cpu-prof` and prints where its CPU went in each run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwAwayDatabase } from './database.js';
import { load, type LoadResult } from './load.js';
import { summariseProfile, type ProfileWindow } from './profile.js';
import type { Bench } from './run.js';
import { SERVER_NODE_FLAGS } from '@callplane/server/runtime/node-flags.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const KEY = 'cp_000000bench0_http-bench-operator-key';
export const CONNECTIONS = 20;
const GOAL = { ratio: 0.5, p99Ms: 10 };
/**
 * A fresh server runs the request path unoptimised for its first seconds of load: V8 is still
 * compiling it (on threads whose CPU counts in the process's) and CPU per request is twice the
 * steady state's until about 6 s in. The figure is the steady state's, as a running server's is.
 */
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 6);
export const WORK = [
  { name: 'tenants(first: 20) { edges { node { id name } } }', query: '{ tenants(first: 20) { edges { node { id name } } } }' },
  { name: 'viewer { role }', query: '{ viewer { role } }' },
];

export const http: Bench = ({ check, args }) =>
  againstBare('http', { key: KEY, check, args }, async ({ server, url: callplane, databaseUrl, children, windows, loadLine }) => {
    const seconds = Number(process.env.BENCH_SECONDS ?? 3);
    const warmupSeconds = WARMUP_SECONDS;
    await seedTenants(callplane);

    const { child: bare, port: barePort } = await startBare(new URL('./bare-server.ts', import.meta.url), databaseUrl, children);

    const rows: { name: string; callplane: LoadResult; bare: LoadResult }[] = [];
    for (const w of WORK) {
      // every response is checked once, so that a broken query cannot pass as a fast one
      for (const url of [callplane, `http://127.0.0.1:${barePort}`]) {
        const body = await gql(url, w.query);
        if (!body.data || body.errors) throw new Error(`${url} answered ${JSON.stringify(body)} to ${w.query}`);
      }
      const opts = { body: JSON.stringify({ query: w.query }), headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, connections: CONNECTIONS, seconds, warmupSeconds: 0 };
      // the warm-up is a run of its own, outside the profile's window
      if (warmupSeconds > 0) await load({ ...opts, url: `${callplane}/graphql`, seconds: warmupSeconds });
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const c = await load({ ...opts, url: `${callplane}/graphql`, serverPid: server.pid });
      windows.push({ name: w.name, fromUs, toUs: Number(process.hrtime.bigint() / 1000n) });
      const b = await load({ ...opts, url: `http://127.0.0.1:${barePort}/graphql`, serverPid: bare.pid, warmupSeconds });
      if (c.failures || b.failures) throw new Error(`failed requests under load: Callplane ${c.failures}, bare ${b.failures}`);
      rows.push({ name: w.name, callplane: c, bare: b });
    }

    const cpu = cpus();
    console.log(`\npnpm bench http: ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}, autocannon -c ${CONNECTIONS} -d ${seconds} (after ${warmupSeconds} s of warm-up), each side in its own process`);
    console.log(loadLine());
    const fig = (r: LoadResult) =>
      `${Math.round(r.reqPerSec).toLocaleString('en')} req/s, p99 ${r.p99} ms${r.cpuUsPerRequest === null ? '' : `, ${Math.round(r.cpuUsPerRequest)} µs CPU/req`}`;
    const table = [['work', 'Callplane', 'bare node:http + pg', 'ratio', 'goal']];
    let met = true;
    for (const r of rows) {
      const ratio = r.callplane.reqPerSec / r.bare.reqPerSec;
      const ok = ratio >= GOAL.ratio && r.callplane.p99 < GOAL.p99Ms;
      met &&= ok;
      table.push([r.name, fig(r.callplane), fig(r.bare), ratio.toFixed(2), ok ? 'met' : `MISSED (≥ ${GOAL.ratio}×, p99 < ${GOAL.p99Ms} ms)`]);
    }
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    return met;
  });

/**
 * The frame of a benchmark of the real server against a bare baseline: a throw-away database and a
 * tmp folder, the server started on it (under `--cpu-prof` with `--profile`), then `run`, which
 * resolves whether the goals were met. After it, the processes are stopped, the server's CPU
 * profile is kept and summarised by `windows`, and everything else is removed.
 */
export async function againstBare(
  name: string,
  o: { key: string; check: boolean; args: string[] },
  run: (r: { server: ChildProcess; url: string; databaseUrl: string; children: ChildProcess[]; windows: ProfileWindow[]; loadLine: () => string }) => Promise<boolean>,
): Promise<boolean> {
  const profile = o.args.includes('--profile');
  const loadBefore = loadavg();
  const tmp = mkdtempSync(join(tmpdir(), `callplane-bench-${name}-`));
  const database = await throwAwayDatabase(name);
  const children: ChildProcess[] = [];
  try {
    const { server, url } = await startCallplane({ databaseUrl: database.url, key: o.key, profile, tmp, children });
    const windows: ProfileWindow[] = [];
    // the machine's other work shows in every figure: say how busy it was
    const loadLine = () => `load average before the run ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    const met = await run({ server, url, databaseUrl: database.url, children, windows, loadLine });

    await Promise.all(children.map(stop));
    if (profile) {
      const file = readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
      const kept = join(tmpdir(), `callplane-${name}-${Date.now()}.cpuprofile`);
      if (file) renameSync(join(tmp, file), kept);
      console.log(file ? `\nserver CPU profile (kept in ${kept}; open it in Chrome DevTools):\n${summariseProfile(kept, windows)}` : '\nno CPU profile was written');
    }
    if (o.check && !met) console.log('\n--check: a goal was missed');
    return !o.check || met;
  } finally {
    await Promise.all(children.map(stop));
    await database.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The 40 tenants the measured list reads 20 of. */
export async function seedTenants(url: string) {
  for (let i = 0; i < 40; i++) await gql(url, `mutation { createTenant(name: "Bench ${i}") { id } }`);
}

async function gql(url: string, query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: unknown; errors?: unknown };
}

/**
 * The real server (`node --import tsx packages/server/src/main.ts`, as in production) on the
 * database, its bootstrap OPERATOR key `key`, one JSON log line per request to tmp/server.log (as it
 * would go to a log collector); under `--cpu-prof` into tmp when profiling. Ready when it returns.
 */
export async function startCallplane(o: {
  databaseUrl: string;
  key: string;
  profile: boolean;
  tmp: string;
  children: ChildProcess[];
  /** The checkout whose server runs (default this one). */
  root?: string;
}): Promise<{ server: ChildProcess; url: string }> {
  const port = await freePort();
  const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.tmp}`] : []), '--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: o.root ?? repoRoot,
    stdio: ['ignore', openSync(join(o.tmp, 'server.log'), 'w'), 'inherit'],
    env: { ...withoutRedis(process.env), DATABASE_URL: o.databaseUrl, PORT: String(port), HOST: '127.0.0.1', CALLPLANE_BOOTSTRAP_KEY: o.key, CALLPLANE_DASHBOARD_BUILD: '0' },
  });
  o.children.push(server);
  const url = `http://127.0.0.1:${port}`;
  await ready(`${url}/readyz`, server, join(o.tmp, 'server.log'));
  return { server, url };
}

/** A bare baseline server (a script printing `listening <port>`) in a process of its own, added to `children` at once. */
export async function startBare(script: URL, databaseUrl: string, children: ChildProcess[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(script)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return { child, port };
}

/** Waits until the server says it is ready, or fails with the end of its log when it exited. */
export async function ready(url: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server was not ready within 60 s:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One process and one bus: the figure is the request path's, not Redis's. */
export function withoutRedis(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _, ...rest } = env;
  return rest;
}

/** SIGTERM, then wait for the exit (the server writes its CPU profile as it exits). */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
