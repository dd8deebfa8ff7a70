// The traffic simulator's core (issue 13): calls arrive at `rate` per second (Poisson) for
// `durationSeconds`, each played out by a call script over the public GraphQL API with the keys it
// is given; events are batched per key on a short timer. When the time is up (or stop()), calls
// still going hang up, their last events are sent, and `done` resolves with the stats.
import { graphqlClient, ServerUnreachableError, type Gql } from './api.js';
import { agentPool, type AgentPool } from './agents.js';
import { instanceCall, privacyCall, refusing, sms, type CallRun, type SimulatorStats } from './calls.js';
import { seededRandom } from './random.js';
import { eventReporter } from './reporter.js';
import { loadApp, loadInstances, type SimApp, type SimInstance } from './world.js';
import { simVoiceApps, voiceMessage, type SimVoiceApp } from './voice.js';

export type { SimulatorStats } from './calls.js';

export interface SimulatorOptions {
  /** The server's base URL, e.g. http://127.0.0.1:4000. */
  url: string;
  /** TENANT_ADMIN key (instance calls) and the apps' PARTNER keys (setup.ts mints them). */
  keys: { admin: string; apps: { key: string }[]; voiceApps?: { id: string; name: string; key: string }[] };
  /** New calls per second. */
  rate: number;
  /** How long new calls start; unset: until stop(). */
  durationSeconds?: number;
  /** Ring, talk and wait times are divided by this (default 1: real time). */
  speed?: number;
  /** The server's time; default: the server's `now` at start, counted on locally. */
  clock?: () => Date;
  seed?: number;
  /** Share of arrivals that are calls to an instance's number (when the tenant has one); default 0.25. */
  instanceShare?: number;
  /** Share of privacy calls dialled so that routing refuses them (P8 REJECT); default 0.1. */
  rejectedShare?: number;
  /** Share of arrivals that also send an SMS; default 0.15. */
  smsShare?: number;
  /** Share of arrivals that also send a voice message (when the tenant has a voice app with an open number); default 0.1. */
  voiceShare?: number;
  flushMs?: number;
  progressEveryMs?: number;
  /** How often the apps' active bindings are read again (bindings expire: 2 h by default); default 300 s. */
  refreshBindingsMs?: number;
  onProgress?: (stats: SimulatorStats) => void;
  /** Every API error (and item error) as it happens: the caller shows them. */
  onError?: (err: Error) => void;
}

export interface Simulator {
  stats: SimulatorStats;
  apps: SimApp[];
  instances: SimInstance[];
  voiceApps: SimVoiceApp[];
  /** Ends the run early: calls hang up now. */
  stop(): Promise<SimulatorStats>;
  /** Resolves once the run ended and every event was sent; rejects when the server went away. */
  done: Promise<SimulatorStats>;
}

/** The server's clock as the switch sees it: its `now` at start, then counted on here (never going back). */
async function serverClock(admin: Gql): Promise<() => Date> {
  const offset = new Date((await admin('now', '{ now }')).now).getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const speed = opts.speed ?? 1;
  if (!(opts.rate > 0)) throw new RangeError('rate must be a positive number of calls per second');
  if (!(speed > 0)) throw new RangeError('speed must be a positive factor');
  const random = seededRandom(opts.seed);
  const admin = graphqlClient(opts.url, opts.keys.admin);
  const clock = opts.clock ?? (await serverClock(admin));
  const stats: SimulatorStats = { calls: 0, answered: 0, unanswered: 0, rejected: 0, live: 0, events: 0, sms: 0, errors: 0, elapsedSeconds: 0 };
  let fatal: ServerUnreachableError | null = null;
  let smsOff = false;
  const onError = (err: unknown) => {
    stats.errors++;
    if (err instanceof ServerUnreachableError) fatal ??= err;
    // an API without reportSms (an older server): said once, then no more SMS
    if (/reportSms|SmsInput/.test((err as Error).message) && /Cannot query field|Unknown type/.test((err as Error).message)) smsOff = true;
    opts.onError?.(err as Error);
  };

  const apps: SimApp[] = [];
  for (const app of opts.keys.apps) {
    try {
      const loaded = await loadApp(graphqlClient(opts.url, app.key), random);
      if (loaded?.bindings.length) apps.push(loaded);
    } catch (err) {
      if (err instanceof ServerUnreachableError) throw err;
      onError(err);
    }
  }
  const instances = await loadInstances(admin);
  const pools = new Map<SimInstance, AgentPool>(instances.map((i) => [i, agentPool(i.ready)]));
  const voiceApps = simVoiceApps((opts.keys.voiceApps ?? []).map((a) => ({ id: a.id, name: a.name, gql: graphqlClient(opts.url, a.key) })));
  if (!apps.length && !instances.length && !voiceApps.length) throw new Error('nothing to call: the tenant has no privacy app with bindings, no running instance with agents and no voice app with an open number');

  const reporter = eventReporter({ flushMs: opts.flushMs ?? 250, onStored: (n) => (stats.events += n), onError });
  let ending = false;
  const wakeOnEnd = new Set<() => void>();
  const runId = `sim-${Date.now().toString(36)}-${random.digits(4)}`;
  let ids = 0;
  const run: CallRun = {
    random,
    stats,
    admin,
    now: () => clock().toISOString(),
    wait(seconds) {
      if (ending) return Promise.resolve(false);
      return new Promise((resolve) => {
        const wake = () => (clearTimeout(timer), wakeOnEnd.delete(wake), resolve(false));
        const timer = setTimeout(() => (wakeOnEnd.delete(wake), resolve(true)), (seconds * 1000) / speed);
        wakeOnEnd.add(wake);
      });
    },
    report: (gql, callId, e) => reporter.report(gql, { eventId: `${callId}-${e.type}`, callId, occurredAt: clock().toISOString(), ...e }),
    nextId: (kind) => `${runId}-${kind}-${++ids}`,
  };

  const calls = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    const tracked = p.catch(onError).finally(() => calls.delete(tracked));
    calls.add(tracked);
  };
  const instanceShare = instances.length ? (apps.length ? (opts.instanceShare ?? 0.25) : 1) : 0;
  const refusable = apps.filter((a) => refusing(a).length);
  const arrive = () => {
    if (random.chance(instanceShare)) {
      const instance = random.pick(instances);
      track(instanceCall(run, instance, pools.get(instance)!));
    } else if (refusable.length && random.chance(opts.rejectedShare ?? 0.1)) track(privacyCall(run, random.pick(refusable), true));
    else if (apps.length) track(privacyCall(run, random.pick(apps)));
    if (apps.length && !smsOff && random.chance(opts.smsShare ?? 0.15)) track(sms(run, random.pick(apps)));
    if (voiceApps.length && random.chance(opts.voiceShare ?? 0.1)) track(voiceMessage(run, random.pick(voiceApps)));
  };

  // P5: bindings expire; a long run (the in-server one) reads them again, and binds new ones when none is left
  let refreshing = false;
  const refresh = setInterval(async () => {
    if (refreshing) return;
    refreshing = true;
    for (const app of apps) {
      const now = await loadApp(app.gql, random).catch((err) => void onError(new Error(`${app.name}: ${(err as Error).message}`)));
      if (now?.bindings.length) app.bindings = now.bindings;
    }
    refreshing = false;
  }, opts.refreshBindingsMs ?? 300_000);

  const started = Date.now();
  let arrivals: NodeJS.Timeout | undefined;
  const scheduleArrival = () => {
    arrivals = setTimeout(() => {
      if (ending) return;
      if (fatal) return void end().catch(() => {});
      arrive();
      scheduleArrival();
    }, random.arrivalGap(opts.rate) * 1000);
  };
  const progress = setInterval(() => {
    stats.elapsedSeconds = (Date.now() - started) / 1000;
    opts.onProgress?.(stats);
    if (fatal) void end().catch(() => {});
  }, opts.progressEveryMs ?? 1000);
  const deadline = opts.durationSeconds !== undefined ? setTimeout(() => void end().catch(() => {}), opts.durationSeconds * 1000) : undefined;

  let settle!: { resolve: (s: SimulatorStats) => void; reject: (e: unknown) => void };
  const done = new Promise<SimulatorStats>((resolve, reject) => (settle = { resolve, reject }));
  let finished: Promise<SimulatorStats> | null = null;
  function end(): Promise<SimulatorStats> {
    finished ??= (async () => {
      ending = true;
      clearTimeout(arrivals);
      clearTimeout(deadline);
      clearInterval(refresh);
      for (const wake of [...wakeOnEnd]) wake();
      while (calls.size) await Promise.all([...calls]);
      await reporter.flush();
      reporter.close();
      clearInterval(progress);
      stats.elapsedSeconds = (Date.now() - started) / 1000;
      if (fatal) throw fatal;
      return stats;
    })();
    finished.then(settle.resolve, settle.reject);
    return finished;
  }

  arrive(); // the first call at once: the dashboard moves as soon as the run starts
  scheduleArrival();
  return { stats, apps, instances, voiceApps, stop: end, done };
}
