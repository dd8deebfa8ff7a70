// `pnpm callplane simulate`: realistic traffic against a running server, through its public API.
import { InvalidArgumentError, type Command } from 'commander';
import { readConfig, step, withSession } from '../cli/session.js';
import { ServerUnreachableError } from './api.js';
import { progressPrinter, summaryLine } from './progress.js';
import { mintSimulatorKeys } from './setup.js';
import { startSimulator } from './simulator.js';

interface SimulateOptions {
  rate: number;
  duration: number;
  tenant?: string;
  url?: string;
  speed: number;
  rejected: number;
  seed?: number;
}

const positive = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} is a positive number`);
  return n;
};

/** The server answers at all, before any key is made for it. */
async function reachable(url: string) {
  try {
    await fetch(`${url}/healthz`);
  } catch (err) {
    throw new ServerUnreachableError(url, err);
  }
}

async function simulate(opts: SimulateOptions) {
  const url = (opts.url ?? `http://127.0.0.1:${readConfig().port}`).replace(/\/+$/, '');
  await reachable(url);
  await withSession(async ({ ctx }) => {
    const minted = await step('minting the simulator’s keys', () => mintSimulatorKeys(ctx, { tenant: opts.tenant, validForSeconds: opts.duration + 3600 }), (m) => `tenant "${m.keys.tenantName}": a TENANT_ADMIN key and ${m.keys.apps.length + (m.keys.voiceApps?.length ?? 0)} PARTNER key(s), labelled simulator`);
    const printer = progressPrinter(process.stderr);
    try {
      const sim = await startSimulator({ url, keys: minted.keys, rate: opts.rate, durationSeconds: opts.duration, speed: opts.speed, rejectedShare: opts.rejected, seed: opts.seed, onProgress: printer.progress, onError: printer.error });
      const apps = sim.apps.map((a) => `${a.name} (${a.bindings.length} bindings)`).join(', ') || 'none';
      const instances = sim.instances.map((i) => `${i.name} (${i.number})`).join(', ') || 'none';
      const voice = sim.voiceApps.map((a) => a.name).join(', ') || 'none';
      process.stderr.write(`• simulating ${opts.rate} calls/s for ${opts.duration} s at speed ${opts.speed} against ${url}\n  privacy apps: ${apps}\n  instances: ${instances}\n  voice apps: ${voice}\n`);
      let interrupted = false;
      const interrupt = () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        printer.end();
        process.stderr.write('interrupted: hanging up the calls still going (Ctrl-C again to leave now)\n');
        void sim.stop().catch(() => {});
      };
      process.on('SIGINT', interrupt);
      try {
        // the summary also when the server went away mid-run (then exit 1 with the reason)
        const failure = await sim.done.then(() => null, (err: unknown) => err);
        printer.end();
        process.stdout.write(`${summaryLine(sim.stats)}\n`);
        if (failure) throw failure;
      } finally {
        process.off('SIGINT', interrupt);
        printer.end();
      }
    } finally {
      await minted.revoke();
    }
  });
}

export function registerSimulateCommand(program: Command) {
  program
    .command('simulate')
    .description('drive realistic traffic through the public GraphQL API of a running server: routed privacy calls, instance calls that queue and reach agents, SMS')
    .requiredOption('--rate <calls/s>', 'new calls per second', positive('--rate'))
    .requiredOption('--duration <s>', 'seconds during which calls start (calls still going then hang up)', positive('--duration'))
    .option('--tenant <id-or-name>', 'the tenant whose apps and instances get the calls (default: the demo tenant, else the first with a privacy app)')
    .option('--url <url>', 'the server (default: http://127.0.0.1:$PORT)')
    .option('--speed <factor>', 'ring and talk times run this many times faster', positive('--speed'), 1)
    .option('--rejected <share>', 'share of privacy calls dialled so that routing refuses them', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--rejected is a share from 0 to 1');
      return n;
    }, 0.1)
    .option('--seed <n>', 'repeat a run’s random choices', (v) => Number(v))
    .action((opts: SimulateOptions) => simulate(opts));
}
