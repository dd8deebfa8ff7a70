// CALLPLANE_DEMO=1: a gentle simulator inside the server (a call every few seconds), so that the
// dashboard is alive on the first start. It is a client like any other: keys of its own, calls
// through the server's public GraphQL API. CALLPLANE_SIMULATOR=off leaves it out.
import type { ServiceContext } from '@callplane/schema/core';
import type { Log } from '../logger.js';
import { mintSimulatorKeys } from './setup.js';
import { startSimulator } from './simulator.js';

/** A call every 4 s on average. */
export const DEMO_CALLS_PER_SECOND = 0.25;
/** Its keys expire after two days; a new run with new keys takes over every day. */
const KEY_SECONDS = 2 * 86_400;
const RUN_MS = 86_400_000;

export interface DemoTraffic {
  stop(): Promise<void>;
}

/** One run: its own keys (revoked when it stops) and a simulator; a failure is logged and the server runs on without it. */
async function demoRun(ctx: ServiceContext, url: string, log: Log): Promise<DemoTraffic | null> {
  let minted: Awaited<ReturnType<typeof mintSimulatorKeys>> | null = null;
  try {
    minted = await mintSimulatorKeys(ctx, { validForSeconds: KEY_SECONDS });
    let errors = 0;
    const sim = await startSimulator({
      url,
      keys: minted.keys,
      rate: DEMO_CALLS_PER_SECOND,
      clock: () => ctx.clock.now(),
      progressEveryMs: 60_000,
      // the first errors in full, then every hundredth: a demo must not flood the log
      onError: (err) => void (++errors <= 5 || errors % 100 === 0 ? log.warn(`demo traffic simulator: ${err.message} (${errors} errors so far)`) : null),
    });
    log.info(
      `demo traffic simulator: about a call every ${Math.round(1 / DEMO_CALLS_PER_SECOND)} s to tenant "${minted.keys.tenantName}" ` +
        `(${sim.apps.length} privacy apps, ${sim.instances.length} instances) through ${url}/graphql; CALLPLANE_SIMULATOR=off turns it off`,
    );
    const keys = minted;
    return {
      async stop() {
        await sim.stop().catch(() => {});
        await keys.revoke();
      },
    };
  } catch (err) {
    await minted?.revoke();
    log.warn(`demo traffic simulator not started: ${(err as Error).message}`);
    return null;
  }
}

/** Starts the demo traffic on the demo tenant, renewed daily (new keys, bindings read again). */
export async function startDemoTraffic(ctx: ServiceContext, url: string, log: Log): Promise<DemoTraffic> {
  let current = await demoRun(ctx, url, log);
  let renewing: Promise<void> = Promise.resolve();
  const renew = setInterval(() => {
    renewing = (async () => {
      const previous = current;
      current = await demoRun(ctx, url, log);
      await previous?.stop();
    })();
  }, RUN_MS);
  renew.unref();
  return {
    async stop() {
      clearInterval(renew);
      await renewing;
      await current?.stop();
    },
  };
}
