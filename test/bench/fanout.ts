/**
 * `pnpm bench fanout [--sockets N] [--subs N] [--keepalive-ms N] [--check] [--profile]`: one event to SOCKETS × SUBS `events`
 * subscriptions of one server process (default 1 000 × 50 = 50 000), subscribers in a process of
 * their own. Prints delivery latency (p50, p99, max), the database reads per event (the shared
 * reader's and the streams' own), memory per idle subscription, and the same delivery from a bare
 * `ws` server that sends one frame per subscription. Goal (RT5): p99 < 1 s and a handful of reads
 * per event, whatever the number of subscriptions. `--profile` records the server's CPU profile
 * during Callplane's delivery rounds (not the set-up) and prints where it went. Sockets closed
 * abnormally are counted on both sides: the clients' close codes, and the server's keep-alive
 * terminations (`--keepalive-ms`, default CALLPLANE_WS_KEEPALIVE_MS or 12 000) and closes by code
 * from /metrics; with drops, the rounds wait only for the sockets still open.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { defaultSettings, inTransaction, ownStreamReads, sharedReads, sharedRenders, SYSTEM } from '@callplane/schema';
import { createApp } from '@callplane/server';
import { loadConfig } from '@callplane/server/config.ts';
import { seedOperatorKey } from '../support/context.js';
import { throwAwayDatabase } from './database.js';
import { summariseProfile } from './profile.js';
import type { Bench } from './run.js';
import { flag } from './flags.js';

const CLIENTS = fileURLToPath(new URL('./fanout-clients.ts', import.meta.url));
const ROUNDS = 5;
const now = () => performance.timeOrigin + performance.now();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
// a full collection before each reading, so that the heap per subscription is what stays alive
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

function clients(mode: 'callplane' | 'bare', url: string, key: string, sockets: number, subs: number) {
  const child = fork(CLIENTS, [mode, url, key, String(sockets), String(subs)], { execArgv: ['--import', 'tsx', '--max-old-space-size=8192'] });
  const next = (type: string) => new Promise<any>((resolve) => child.on('message', function on(m: any) { if (m.type === type) { child.off('message', on); resolve(m); } }));
  /** Sockets the clients saw close abnormally, by close code. */
  const closed = new Map<number, number>();
  child.on('message', (m: any) => void (m.type === 'closed' && closed.set(m.code, (closed.get(m.code) ?? 0) + 1)));
  return { child, next, closed };
}

const byCode = (counts: Iterable<[string | number, number]>) => [...counts].map(([code, n]) => `${code}: ${n}`).join(', ') || 'none';
const sum = (counts: Iterable<[unknown, number]>) => [...counts].reduce((a, [, n]) => a + n, 0);

/** The server's own count of keep-alive terminations and of closes by code, read from /metrics. */
async function serverCloses(httpUrl: string) {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const terminated = Number(/^callplane_ws_keepalive_terminations_total (\S+)$/m.exec(text)?.[1] ?? 0);
  const closes = [...text.matchAll(/^callplane_ws_closed_total\{code="(\d+)"\} (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])] as [string, number]);
  return { terminated, closes };
}

/** Fires `rounds` events; each round's latencies are arrival − commit time. */
async function rounds(c: { child: ChildProcess; next: (t: string) => Promise<any> }, fire: () => Promise<void>, onRound?: () => void) {
  const latencies: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const armed = c.next('armed');
    c.child.send({ type: 'arm' });
    await armed;
    const result = c.next('round');
    const t0 = now();
    await fire();
    const { arrivals } = await result;
    latencies.push(...(arrivals as number[]).map((a) => a - t0));
    onRound?.();
  }
  return latencies.sort((a, b) => a - b);
}

/** Starts V8's profiler in this (the server's) process; the returned function stops it and names the file. */
async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = join(tmpdir(), `callplane-fanout-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}

export const fanout: Bench = async ({ check, args }) => {
  const sockets = flag(args, '--sockets', 1000);
  const subs = flag(args, '--subs', 50);
  const total = sockets * subs;
  const keepAliveAt = args.indexOf('--keepalive-ms');
  const keepAliveMs = keepAliveAt >= 0 ? loadConfig({ CALLPLANE_WS_KEEPALIVE_MS: args[keepAliveAt + 1] }).wsKeepAliveMs : loadConfig({ CALLPLANE_WS_KEEPALIVE_MS: process.env.CALLPLANE_WS_KEEPALIVE_MS }).wsKeepAliveMs;
  const db = await throwAwayDatabase('fanout');
  const app = await createApp({ databaseUrl: db.url, logLevel: 'silent', dashboardDir: null, inlineWorker: false, wsKeepAliveMs: keepAliveMs, settings: { ...defaultSettings, eventPollMs: 60_000 } });
  const httpUrl = await app.start(0);
  const url = httpUrl.replace('http', 'ws') + '/graphql';
  const system = app.systemContext();
  const key = await seedOperatorKey(system);
  const emit = (name: string) => inTransaction({ ...system, actor: SYSTEM }, (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId: null, subjectId: name, payload: {} }));
  let ok = true;
  try {
    // Callplane
    const heapBefore = heap();
    const c = clients('callplane', url, key, sockets, subs);
    const after = ((await (await app.yoga.fetch('http://bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{"query":"{ eventCursor }"}' })).json()) as any).data.eventCursor;
    const opened = c.next('opened');
    const ready = c.next('ready');
    const setupStart = now();
    c.child.send({ type: 'open', after });
    await opened;
    await emit('warm-up');
    await ready;
    const setupMs = now() - setupStart;
    const reads = { shared: sharedReads.count, own: ownStreamReads.count, renders: sharedRenders.count };
    const profiler = args.includes('--profile') ? await startProfile() : null;
    const callplane = await rounds(c, () => emit('bench').then(() => {}));
    const profile = await profiler?.();
    // the drops of the set-up and the rounds, before the full collection below can stall the server
    const clientDrops = new Map(c.closed);
    const server = await serverCloses(httpUrl);
    // read after the rounds: a full collection of this large heap stalls the server (on a busy
    // machine for longer than graphql-ws waits for a pong), which must not fall into a round
    const perSub = (heap() - heapBefore) / total;
    const sharedPerEvent = (sharedReads.count - reads.shared) / ROUNDS;
    const ownPerEvent = (ownStreamReads.count - reads.own) / ROUNDS;
    const rendersPerEvent = (sharedRenders.count - reads.renders) / ROUNDS;
    c.child.send({ type: 'exit' });

    // bare: a ws server that sends one small frame per subscription to every socket
    const wss = new WebSocketServer({ port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const bare = clients('bare', `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, '', sockets, subs);
    const bareReady = bare.next('ready');
    bare.child.send({ type: 'open' });
    await bare.next('opened');
    const frame = JSON.stringify({ id: 'x', type: 'next', payload: { data: { events: { cursor: '1-1' } } } });
    const broadcast = async () => {
      for (const ws of wss.clients) for (let i = 0; i < subs; i++) ws.send(frame);
    };
    await broadcast();
    await bareReady;
    const baseline = await rounds(bare, broadcast);
    bare.child.send({ type: 'exit' });
    wss.close();

    const p99 = pct(callplane, 99);
    console.log(`\nfan-out: ${sockets} sockets × ${subs} subscriptions = ${total} on one server process (set up in ${(setupMs / 1000).toFixed(1)} s)`);
    console.log(['', 'p50 ms', 'p99 ms', 'max ms'].join('\t'));
    console.log(['callplane', pct(callplane, 50).toFixed(0), p99.toFixed(0), callplane.at(-1)!.toFixed(0)].join('\t'));
    console.log(['bare ws', pct(baseline, 50).toFixed(0), pct(baseline, 99).toFixed(0), baseline.at(-1)!.toFixed(0)].join('\t'));
    console.log(`ratio p99 (callplane / bare): ${(p99 / pct(baseline, 99)).toFixed(2)}x`);
    console.log(`database reads per event: ${sharedPerEvent.toFixed(1)} by the shared reader, ${ownPerEvent.toFixed(1)} by streams on their own`);
    console.log(`GraphQL executions per event: ${rendersPerEvent.toFixed(1)} (one per document, variables and access scope)`);
    console.log(`memory per idle subscription: ${(perSub / 1024).toFixed(1)} KiB of server heap`);
    const keepAlive = keepAliveMs ? `${keepAliveMs} ms` : 'off';
    console.log(`sockets closed abnormally during set-up and rounds (keep-alive ${keepAlive}): Callplane's clients saw ${sum(clientDrops)} (${byCode(clientDrops)}), the server terminated ${server.terminated} for a late pong and saw closes ${byCode(server.closes)}; bare ws clients saw ${sum(bare.closed)} (${byCode(bare.closed)})`);
    if (profile) console.log(`\nserver CPU profile of the delivery rounds (kept in ${profile}):\n${summariseProfile(profile, [{ name: 'delivery', fromUs: 0, toUs: Infinity }], 15)}`);
    if (check && (p99 >= 1000 || sharedPerEvent + ownPerEvent > 5 || sum(clientDrops) > 0)) {
      console.log('goal missed: p99 < 1 s, at most 5 reads per event, and no socket dropped');
      ok = false;
    }
  } finally {
    await app.stop();
    await db.drop();
  }
  return ok;
};
