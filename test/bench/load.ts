import { execFile } from 'node:child_process';
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
}

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * One measurement with autocannon in a process of its own (so that the load generator does not
 * share an event loop with anything it measures): a warm-up that is not counted, then `seconds`.
 */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const args = [autocannonCli, '-j', '-c', String(opts.connections), '-d', String(opts.seconds), '-m', 'POST', '-b', opts.body];
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  if (opts.warmupSeconds > 0) args.push('--warmup', '[', '-c', String(opts.connections), '-d', String(opts.warmupSeconds), ']');
  args.push(opts.url);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  // with --warmup, autocannon prints the warm-up's result on a line of its own first
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return { reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, failures: r.non2xx + r.errors + r.timeouts };
}
