import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface LoadResult {
  reqPerSec: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Responses that were not 2xx, plus connection errors and timeouts: a run with any is not a figure. */
  failures: number;
  /** CPU time of the measured server per request, in µs; null where /proc is not. */
  cpuUsPerRequest: number | null;
}

export interface LoadOptions {
  url: string;
  /** The process serving `url`, whose CPU time is read around the run. */
  serverPid?: number;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Requests per second across all connections (autocannon -R); unset: as fast as the server answers. */
  rate?: number;
}

/**
 * One measurement with autocannon in a process of its own (so that the load generator does not
 * share an event loop with anything it measures): a warm-up that is not counted, then `seconds`.
 */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const args = ['-j', '-c', String(opts.connections), '-m', 'POST', '-b', opts.body];
  if (opts.rate) args.push('-R', String(opts.rate));
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  const autocannon = (seconds: number) => promisify(execFile)(process.execPath, [autocannonCli, ...args, '-d', String(seconds), opts.url], { maxBuffer: 16 * 1024 * 1024 });
  // the warm-up (JIT, pools, caches) is a run of its own, so that the CPU time read is the measured run's alone
  if (opts.warmupSeconds > 0) await autocannon(opts.warmupSeconds);
  const cpuBefore = cpuMicros(opts.serverPid);
  const { stdout } = await autocannon(opts.seconds);
  const cpuAfter = cpuMicros(opts.serverPid);
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failures: r.non2xx + r.errors + r.timeouts,
    cpuUsPerRequest: cpuBefore !== null && cpuAfter !== null && r.requests.total ? (cpuAfter - cpuBefore) / r.requests.total : null,
  };
}

/** User + system CPU time of a process so far (Linux /proc), in µs. */
function cpuMicros(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    // after the command name (which may hold spaces) come the fields from the 3rd on: utime is the 14th, stime the 15th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // USER_HZ on Linux
