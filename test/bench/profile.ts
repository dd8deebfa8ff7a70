import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of the run, in microseconds of the monotonic clock (process.hrtime, V8's profile clock on Linux). */
export interface ProfileWindow {
  name: string;
  fromUs: number;
  toUs: number;
}

/** Steps of the request path, each the time spent inside (and below) the frames it names. */
const STEPS: [string, (f: CallFrame) => boolean][] = [
  ['HTTP parsing and socket reads (node:http)', (f) => f.functionName === 'parserOnHeadersComplete' || f.functionName === 'onStreamRead'],
  ['request body and GraphQL params (yoga parseRequest)', (f) => f.functionName === 'parseRequest' && f.url.includes('graphql-yoga')],
  ['GraphQL parse', (f) => f.functionName === 'parse' && f.url.includes('graphql/language/parser')],
  ['GraphQL validate (incl. graphql-armor rules)', (f) => f.functionName === 'validate' && f.url.includes('graphql/validation/validate')],
  ['context: key authentication', (f) => f.functionName === 'authenticate' || f.url.includes('actor-cache')],
  ['execute (resolvers, Pothos, SQL, serialising the result)', (f) => f.functionName === 'execute' && f.url.includes('@graphql-tools/executor')],
  ['  Kysely query building/compiling', (f) => f.functionName === 'compileQuery' && f.url.includes('kysely')],
  ['  pg client (send, receive, parse rows)', (f) => f.url.includes('/pg/lib/') || f.url.includes('pg-protocol') || f.url.includes('postgres-date')],
  ['writing the response (whatwg-node sendNodeResponse)', (f) => f.functionName === 'sendNodeResponse'],
  ['logging (pino, sonic-boom)', (f) => f.url.includes('/pino/') || f.url.includes('sonic-boom')],
  ['metrics (prom-client)', (f) => f.url.includes('prom-client')],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
];

/**
 * Where the server's CPU went during each window of a `--cpu-prof` profile, as shares of the busy
 * time (idle left out): by step of the request path (inclusive), by package or Callplane file
 * (self time), and the top functions (self time).
 */
export function summariseProfile(file: string, windows: ProfileWindow[], top = 10): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stepsOf = new Map<number, number[]>(); // node id → steps on its stack, computed once per node
  const stepsOn = (id: number): number[] => {
    let s = stepsOf.get(id);
    if (!s) {
      const here = STEPS.flatMap(([, match], i) => (match(byId.get(id)!) ? [i] : []));
      const up = parent.has(id) ? stepsOn(parent.get(id)!) : [];
      s = [...new Set([...up, ...here])];
      stepsOf.set(id, s);
    }
    return s;
  };

  const out: string[] = [];
  for (const w of windows) {
    const byPlace = new Map<string, number>();
    const byFunction = new Map<string, number>();
    const bySteps = STEPS.map(() => 0);
    let busy = 0;
    let idle = 0;
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i]!;
      if (t < w.fromUs || t > w.toUs) continue;
      const id = profile.samples[i]!;
      const frame = byId.get(id)!;
      const dt = profile.timeDeltas[i + 1] ?? 0;
      if (frame.functionName === '(idle)') {
        idle += dt;
        continue;
      }
      busy += dt;
      for (const s of stepsOn(id)) bySteps[s]! += dt;
      const place = placeOf(frame.url, frame.functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + dt);
      const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    }
    const share = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
    const list = (m: Map<string, number>) =>
      [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `    ${share(us)}  ${k}`);
    out.push(
      `  ${w.name}: server busy ${((busy / (busy + idle)) * 100).toFixed(0)} % of the run`,
      '   by step (inclusive):',
      ...STEPS.map(([name], i) => `    ${share(bySteps[i]!)}  ${name}`),
      '   by package / file (self):',
      ...list(byPlace),
      '   top functions (self):',
      ...list(byFunction),
    );
  }
  return out.join('\n');
}

function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const own = /\/packages\/([^/]+)\/src\/(.*)$/.exec(url);
  return own ? `callplane ${own[1]}/${own[2]}` : shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^.*\/packages\//, 'packages/');
}
