import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '@callplane/server/runtime/node-flags.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Variables of the surrounding shell that would change what the spawned process does. */
const OWN = /^(DATABASE_URL|TEST_DATABASE_URL|REDIS_URL|PORT|HOST|LOG_LEVEL|CALLPLANE_.*)$/;

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout+stderr; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a server entry (`main.ts`, `cli.ts`) as a real process, as `pnpm start` / `pnpm callplane` do. */
export function spawnServer(entry: 'main' | 'cli', args: string[], env: Record<string, string | undefined>): Spawned {
  return spawnCommand([process.execPath, ...(entry === 'main' ? SERVER_NODE_FLAGS : []), '--import', 'tsx', `packages/server/src/${entry}.ts`, ...args], env);
}

/**
 * Runs a command from the checkout's root with the test's environment (none of the surrounding
 * shell's Callplane variables). `detached`: in a process group of its own, as a process manager
 * starts a service, so that a test can signal the whole group.
 */
export function spawnCommand([command, ...args]: string[], env: Record<string, string | undefined>, { detached = false } = {}): Spawned {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OWN.test(k)));
  const child = spawn(command!, args, {
    cwd: repoRoot,
    env: { ...base, CALLPLANE_DASHBOARD_BUILD: '0', CALLPLANE_ENV_FILE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let out = '';
  let err = '';
  let ended = false;
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d) => ((out += d), listeners.forEach((l) => l())));
  child.stderr!.on('data', (d) => ((err += d), listeners.forEach((l) => l())));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const end = (result: { code: number | null; signal: NodeJS.Signals | null }) => {
      ended = true;
      resolve(result);
      listeners.forEach((l) => l());
    };
    child.on('exit', (code, signal) => end({ code, signal }));
    child.on('error', (e) => {
      err += `could not run ${command}: ${e.message}\n`;
      end({ code: null, signal: null });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = (out + err).match(pattern);
          if (m) return done(() => resolve(m));
          if (ended)
            done(() => reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${out}\n${err}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`))), timeoutMs);
        const done = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs a CLI command to its end. */
export async function cli(args: string[], env: Record<string, string | undefined>) {
  const p = spawnServer('cli', args, env);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export const KEY = /cp_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/g;

export async function gql(baseUrl: string, query: string, key?: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** Error output a clean run must not have: pino error/fatal lines, stack traces, unhandled rejections. */
export function errorOutput(p: Spawned): string[] {
  const lines = (p.stdout() + '\n' + p.stderr()).split('\n');
  return lines.filter((l) => /"level":(50|60)/.test(l) || /^\s+at |Unhandled|Error:|ERR_/.test(l));
}
