// CALLPLANE_DEMO=1: a gentle simulator inside the server (a call every few seconds), so that the
// dashboard is alive on the first start. It is a client like any other: keys of its own, calls
// through the server's public GraphQL API. CALLPLANE_SIMULATOR=off leaves it out.
import type { ServiceContext } from '@callplane/schema/core';
import type { Log } from '../logger.js';
import { mintSimulatorKeys } from './setup.js';
import { startSimulator } from './simulator.js';

/** A call every 4 s on average. */
export const DEMO_CALLS_PER_SECOND = 0.25;
const KEY_DAYS = 30;

export interface DemoTraffic {
  stop(): Promise<void>;
}

/** Starts the demo traffic on the demo tenant; a failure is logged and the server runs on without it. */
export async function startDemoTraffic(ctx: ServiceContext, url: string, log: Log): Promise<DemoTraffic | null> {
  let minted: Awaited<ReturnType<typeof mintSimulatorKeys>> | null = null;
  try {
    minted = await mintSimulatorKeys(ctx, { validForSeconds: KEY_DAYS * 86_400 });
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
    return {
      async stop() {
        await sim.stop().catch(() => {});
        await minted!.revoke();
      },
    };
  } catch (err) {
    await minted?.revoke();
    log.warn(`demo traffic simulator not started: ${(err as Error).message}`);
    return null;
  }
}
