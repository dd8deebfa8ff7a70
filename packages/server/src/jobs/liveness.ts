import pg from 'pg';
import type { Job } from 'graphile-worker';

/**
 * graphile-worker marks a job it runs with its worker pool's id (`locked_by`) and lets another
 * worker take a locked job only 4 hours later: the jobs of a process killed with -9 (due webhook
 * retries among them) would wait that long. So each pool of this process holds a session advisory
 * lock keyed by its pool id, on a connection of its own, from before its first job (the
 * `startWorker` hook) until it has stopped. PostgreSQL drops a session's locks when its connection
 * ends, also when the process dies: a pool whose lock is free is gone, and its jobs can be unlocked
 * at once. A live pool's lock is held, so its jobs are never unlocked, whichever process looks.
 */
const LOCK_KEY = (param: string) => `hashtextextended('graphile-worker-pool:' || ${param}, 0)`;

/** The pools of this process that run jobs in one database, and the session that holds their locks. */
class PoolLocks {
  private client: pg.Client | null = null;
  private readonly held = new Set<string>();
  /** One operation at a time on the session. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly pool: pg.Pool) {}

  hold(poolId: string): Promise<void> {
    return this.serially(async () => {
      if (this.held.has(poolId)) return;
      const client = await this.session();
      await client.query(`select pg_advisory_lock(${LOCK_KEY('$1::text')})`, [poolId]);
      this.held.add(poolId);
    });
  }

  /** After the pool stopped: its lock goes; the session closes with the last one. */
  release(poolId: string): Promise<void> {
    return this.serially(async () => {
      if (!this.held.delete(poolId)) return;
      const client = this.client;
      if (!client) return;
      if (this.held.size) await client.query(`select pg_advisory_unlock(${LOCK_KEY('$1::text')})`, [poolId]).catch(() => {});
      else {
        this.client = null;
        await client.end().catch(() => {});
      }
    });
  }

  private serially<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => {});
    return run;
  }

  private async session(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client(this.pool.options);
    // A lost session drops the locks: the pools look dead to others, who may run their jobs again
    // (at least once, as graphile-worker's own 4-hour timeout would). Take them again on a new one.
    client.on('error', () => {});
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = null;
      if (this.held.size) void this.relock();
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private relock(): Promise<void> {
    return this.serially(async () => {
      const ids = [...this.held];
      if (!ids.length || this.client) return;
      try {
        const client = await this.session();
        await client.query(`select pg_advisory_lock(${LOCK_KEY('id')}) from unnest($1::text[]) id`, [ids]);
      } catch {
        setTimeout(() => void this.relock(), 1000).unref();
      }
    });
  }
}

const locksByPool = new WeakMap<pg.Pool, PoolLocks>();

function locksOf(pool: pg.Pool): PoolLocks {
  let locks = locksByPool.get(pool);
  if (!locks) locksByPool.set(pool, (locks = new PoolLocks(pool)));
  return locks;
}

/**
 * The preset that makes every worker pool a run starts hold its lock before it takes a job, and
 * `released()`, to call once that run has ended: it gives the run's locks back.
 */
export function poolLiveness(pool: pg.Pool): { preset: GraphileConfig.Preset; released(): Promise<void> } {
  const locks = locksOf(pool);
  const ids = new Set<string>();
  const preset: GraphileConfig.Preset = {
    plugins: [
      {
        name: 'CallplanePoolLiveness',
        version: '1.0.0',
        worker: {
          hooks: {
            async startWorker(_info, event) {
              const id = event.worker.workerPool.id;
              ids.add(id);
              await locks.hold(id);
            },
          },
        },
      },
    ],
  };
  return { preset, released: async () => void (await Promise.all([...ids].map((id) => locks.release(id)))) };
}

/**
 * Unlocks the jobs (and job queues) that pools no longer alive hold: those whose lock (above) nobody
 * holds. `among`: only these pool ids (advanceClock's waiting list); default every pool that holds a
 * job. One transaction: the locks taken here keep a dead id dead until the jobs are free. Returns
 * the ids of the jobs unlocked; graphile-worker counts the attempt the dead pool had begun.
 */
export async function unlockDeadPools(pool: pg.Pool, among?: readonly string[]): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows: dead } = await client.query<{ id: string }>(
      `select id from (
         select locked_by as id from graphile_worker._private_jobs where locked_by is not null
         union select locked_by from graphile_worker._private_job_queues where locked_by is not null) owners
       where ($1::text[] is null or id = any($1::text[])) and pg_try_advisory_xact_lock(${LOCK_KEY('id')})`,
      [among ?? null],
    );
    const ids = dead.map((d) => d.id);
    let jobs: Pick<Job, 'id'>[] = [];
    if (ids.length) {
      jobs = (await client.query<Pick<Job, 'id'>>(`select id::text from graphile_worker._private_jobs where locked_by = any($1::text[])`, [ids])).rows;
      await client.query(`select graphile_worker.force_unlock_workers($1::text[])`, [ids]);
    }
    await client.query('commit');
    return jobs.map((j) => j.id);
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
