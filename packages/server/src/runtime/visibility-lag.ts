import type { Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import { oldestOpenWriter, type Database } from '@callplane/schema/core';
import type { Log } from '../logger.js';
import type { Metrics } from '../http/metrics.js';

export interface VisibilityLagOptions {
  /** How often the hold is looked at (default 5 s). */
  intervalMs?: number;
  /** A hold older than this is logged as a warning naming its backend (default 10 s). */
  warnAfterSeconds?: number;
}

/**
 * RT1 reads events only below the oldest open writing transaction of the whole PostgreSQL cluster,
 * so one long transaction, in any database, delays every subscriber. Nothing is lost, but it must
 * be visible: `callplane_event_visibility_lag_seconds` (the age of that transaction) and one warning
 * per holding backend, with its pid, database and age.
 */
export function watchVisibilityLag(db: Kysely<Database>, log: Log, metrics: Metrics, opts: VisibilityLagOptions = {}) {
  const warnAfter = opts.warnAfterSeconds ?? 10;
  const warned = new Set<number>();
  new Gauge({
    name: 'callplane_event_visibility_lag_seconds',
    help: 'Age of the oldest open writing transaction of the PostgreSQL cluster: new events wait for it to end (RT1)',
    registers: [metrics.registry],
    async collect() {
      this.set((await oldestOpenWriter(db).catch(() => null))?.ageSeconds ?? 0);
    },
  });
  const check = async () => {
    const hold = await oldestOpenWriter(db).catch(() => null);
    if (!hold || hold.ageSeconds < warnAfter || warned.has(hold.pid)) return;
    warned.add(hold.pid);
    log.warn(
      { pid: hold.pid, database: hold.database, ageSeconds: Math.round(hold.ageSeconds) },
      `event delivery is held back by PostgreSQL backend ${hold.pid} (database ${hold.database ?? '?'}), in a transaction for ${Math.round(hold.ageSeconds)} s: events committed since wait until it ends`,
    );
  };
  const timer = setInterval(() => void check(), opts.intervalMs ?? 5000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
