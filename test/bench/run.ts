/**
 * `pnpm bench [name] [--check]`: each benchmark measures Callplane against a bare baseline in the
 * same run, on a throw-away database (DATABASE_URL, the machine's PostgreSQL, else embedded).
 * With `--check` a benchmark whose goal is missed makes the exit status 1.
 *
 * A benchmark is one file exporting a `Bench`; add it to BENCHES below (fanout, routing, ingest,
 * webhooks …). Without a name, `queries` runs (what `pnpm bench` always did).
 */
import { dashboard } from './dashboard.js';
import { fanout } from './fanout.js';
import { http } from './http.js';
import { ingest } from './ingest.js';
import { queries } from './queries.js';
import { routing } from './routing.js';
import { webhooks } from './webhooks.js';

export interface BenchOptions {
  /** Fail (return false) when a goal is missed; without it the figures are only printed. */
  check: boolean;
  /** Arguments after the benchmark's name, flags included. */
  args: string[];
}

/** Runs one benchmark, prints its figures; resolves false when `check` is set and a goal was missed. */
export type Bench = (opts: BenchOptions) => Promise<boolean>;

const BENCHES: Record<string, { bench: Bench; what: string }> = {
  queries: { bench: queries, what: 'in-process GraphQL and event reads against bare SQL (no goal)' },
  http: { bench: http, what: 'authenticated requests over HTTP (autocannon) against a bare node:http + pg handler; goal ≥ 0.5×, p99 < 10 ms' },
  fanout: { bench: fanout, what: 'one event to 50 000 `events` subscriptions on one process against a bare ws server; goal p99 < 1 s, reads per event constant' },
  dashboard: { bench: dashboard, what: 'the live calls page in Chromium at 100 call events/s with 1 000 calls live (--minutes, default 10) against a bare page on a bare ws; goal commit → row p99 < 200 ms, heap flat' },
  routing: { bench: routing, what: 'routeCall (P8) over HTTP with 100 000 active bindings against a bare node:http + pg handler with one SQL query; goal ≥ 0.5×, p99 < 5 ms at 2 000 req/s' },
  ingest: { bench: ingest, what: 'call events through reportCallEvents over HTTP (batches of 500, several clients) against raw COPY of the same rows into call_events; goal ≥ 0.5×, ≥ 20 000 events/s' },
  webhooks: { bench: webhooks, what: 'webhook deliveries to a local receiver by the server’s worker against a bare fetch loop; goal ≥ 2 000 deliveries/s' },
};

const argv = process.argv.slice(2);
const name = argv.find((a) => !a.startsWith('-')) ?? 'queries';
const entry = BENCHES[name];
if (!entry) {
  console.error(`unknown benchmark '${name}'. Available:\n${Object.entries(BENCHES).map(([n, b]) => `  pnpm bench ${n}\t${b.what}`).join('\n')}`);
  process.exit(2);
}
const ok = await entry.bench({ check: argv.includes('--check'), args: argv.filter((a) => a !== name) });
process.exit(ok ? 0 : 1);
