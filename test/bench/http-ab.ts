/**
 * `npx tsx test/bench/http-ab.ts <checkout> <checkout> …`: the request path of `pnpm bench http`
 * for several checkouts of Callplane (e.g. a `git worktree` of an older commit and this one), to
 * tell a change from the machine's load. Each checkout's real server runs on a throw-away database
 * of its own; after one warm-up each, they are loaded in turns, ROUNDS (default 6) times 3 s per
 * query, alternating the order, so that every round loads each server under the same load of the
 * machine. Prints each run and, per server and query, the median CPU per request (user + system
 * of the server process over the run; the steadiest figure on a shared machine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { throwAwayDatabase, type BenchDatabase } from './database.js';
import { CONNECTIONS, KEY, WARMUP_SECONDS, WORK, seedTenants, startCallplane, stop } from './http.js';
import { load } from './load.js';

const roots = process.argv.slice(2).map((r) => resolve(r));
if (roots.length < 2) throw new Error('usage: npx tsx test/bench/http-ab.ts <checkout> <checkout> …');
const rounds = Number(process.env.ROUNDS ?? 6);
const children: ChildProcess[] = [];
const databases: BenchDatabase[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'callplane-bench-http-ab-'));
try {
  const servers = [];
  for (const [i, root] of roots.entries()) {
    const database = await throwAwayDatabase('httpab');
    databases.push(database);
    const { server, url } = await startCallplane({ databaseUrl: database.url, key: KEY, profile: false, tmp: mkdtempSync(join(tmp, `${i}-`)), children, root });
    await seedTenants(url);
    servers.push({ root, server, url, cpu: new Map<string, number[]>() });
  }
  for (let r = 0; r < rounds; r++)
    for (const w of WORK)
      for (const s of r % 2 ? [...servers].reverse() : servers) {
        const res = await load({
          url: `${s.url}/graphql`,
          serverPid: s.server.pid,
          body: JSON.stringify({ query: w.query }),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          connections: CONNECTIONS,
          seconds: 3,
          warmupSeconds: r === 0 ? WARMUP_SECONDS : 0,
        });
        if (res.failures) throw new Error(`${res.failures} failed requests to ${s.root}`);
        s.cpu.set(w.name, [...(s.cpu.get(w.name) ?? []), Math.round(res.cpuUsPerRequest ?? NaN)]);
        console.log(`round ${r + 1}  ${w.name}  ${s.root}: ${Math.round(res.reqPerSec)} req/s, p99 ${res.p99} ms, ${Math.round(res.cpuUsPerRequest ?? NaN)} µs CPU/req (load average ${loadavg()[0]!.toFixed(1)})`);
      }
  console.log(`\nCPU per request, median of ${rounds} runs of 3 s (autocannon -c ${CONNECTIONS}, each server warmed up ${WARMUP_SECONDS} s first):`);
  for (const w of WORK)
    for (const s of servers) {
      const all = [...s.cpu.get(w.name)!].sort((a, b) => a - b);
      console.log(`  ${w.name}  ${s.root}: ${all[Math.floor(all.length / 2)]} µs (all: ${all.join(', ')})`);
    }
} finally {
  await Promise.all(children.map(stop));
  for (const d of databases) await d.drop();
  rmSync(tmp, { recursive: true, force: true });
}
